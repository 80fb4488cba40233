import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/storage/memory/store.ts';
import { parseAccount } from '../../../src/util/account.ts';
import { storeContract } from './contract.ts';

storeContract('memory', () => new MemoryStore());

describe('MemoryStore', () => {
  it('keeps an account across openAccount calls and resets recent', async () => {
    const store = new MemoryStore({ now: () => 1_700_000_000_000 });
    const alice = parseAccount('alice@example.test');
    const a = await store.openAccount(alice);
    await a.appendMessage('INBOX', Buffer.from('x'));
    const b = await store.openAccount(alice);
    expect(await b.status('INBOX')).toMatchObject({ messages: 1, recent: 0, uidValidity: 1_700_000_000 });
  });
});
