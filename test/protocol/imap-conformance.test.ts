/**
 * IMAP transcripts for RFC conformance points that clients trip over: ESEARCH (RFC 4731), `$`
 * without SEARCHRES (RFC 5182), RENAME of the selected mailbox and of INBOX (RFC 3501 §6.3.5,
 * RFC 9051 §6.3.6), LSUB of subscribed names that do not exist (RFC 3501 §6.3.9), SEARCH on
 * undeclared 8-bit text (RFC 3501 §6.4.4). Real TCP against the memory store, one user per test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const USERS = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${i}@example.test`, 'secret-pass']));
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let nextUser = 0;

/** A new session; `user` defaults to a fresh account, so tests do not see each other's mail. */
async function login(user = `c${nextUser++}@example.test`): Promise<{ c: RawImap; user: string }> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK /);
  return { c, user };
}
const msg = (subject: string, body = 'hello'): Buffer =>
  Buffer.from(`From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\n${body}\r\n`);
/** APPENDs exact bytes (8-bit allowed) with a non-synchronizing literal. */
async function append(c: RawImap, mailbox: string, m: Buffer): Promise<void> {
  c.socket.write(Buffer.concat([Buffer.from(`ap APPEND ${mailbox} {${m.length}+}\r\n`), m, Buffer.from('\r\n')]));
  expect(await c.until('ap')).toMatch(/^ap OK /);
}

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('ESEARCH (RFC 4731)', () => {
  it('is advertised before and after login', async () => {
    const { c } = await login();
    expect(await c.cmd('e0', 'CAPABILITY')).toMatch(/^\* CAPABILITY IMAP4rev1 [^\r]* ESEARCH[ \r]/);
    const fresh = await RawImap.open(srv.port);
    clients.push(fresh);
    expect(await fresh.cmd('e1', 'CAPABILITY')).toMatch(/ ESEARCH[ \r]/);
  });

  it('RETURN () is ALL; MIN MAX ALL COUNT; UID indicator; ALL in compact form; empty results', async () => {
    const { c } = await login();
    for (let i = 1; i <= 6; i++) await append(c, 'INBOX', msg(`m${i}`));
    await c.cmd('s0', 'SELECT INBOX');
    // UIDs 2..6 at sequence numbers 1..5, so UID and sequence answers differ
    await c.cmd('s1', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await c.cmd('s2', 'EXPUNGE');
    await c.cmd('s3', 'STORE 1:3,5 +FLAGS.SILENT (\\Flagged)');
    expect(await c.cmd('e1', 'SEARCH RETURN () FLAGGED')).toBe('* ESEARCH (TAG "e1") ALL 1:3,5\r\ne1 OK SEARCH completed\r\n');
    expect(await c.cmd('e2', 'UID SEARCH RETURN (MIN MAX ALL COUNT) FLAGGED')).toBe('* ESEARCH (TAG "e2") UID MIN 2 MAX 6 ALL 2:4,6 COUNT 4\r\ne2 OK SEARCH completed\r\n');
    expect(await c.cmd('e3', 'SEARCH RETURN (count min) CHARSET UTF-8 UNFLAGGED')).toBe('* ESEARCH (TAG "e3") MIN 4 COUNT 1\r\ne3 OK SEARCH completed\r\n');
    // no match: MIN, MAX and ALL are left out, COUNT is 0, the UID indicator stays
    expect(await c.cmd('e4', 'SEARCH RETURN (MIN MAX ALL) DELETED')).toBe('* ESEARCH (TAG "e4")\r\ne4 OK SEARCH completed\r\n');
    expect(await c.cmd('e5', 'UID SEARCH RETURN (ALL) DELETED')).toBe('* ESEARCH (TAG "e5") UID\r\ne5 OK SEARCH completed\r\n');
    expect(await c.cmd('e6', 'UID SEARCH RETURN (COUNT) DELETED')).toBe('* ESEARCH (TAG "e6") UID COUNT 0\r\ne6 OK SEARCH completed\r\n');
  });

  it('an unknown RETURN option is BAD (RFC 4466 §2.6.1), SAVE included: SEARCHRES is not implemented', async () => {
    const { c } = await login();
    await c.cmd('s0', 'SELECT INBOX');
    expect(await c.cmd('e1', 'SEARCH RETURN (SAVE) ALL')).toBe('e1 BAD SEARCHRES (RETURN SAVE) is not supported\r\n');
    expect(await c.cmd('e2', 'SEARCH RETURN (MIN FROB) ALL')).toBe('e2 BAD unknown RETURN option FROB\r\n');
    expect(await c.cmd('e3', 'NOOP')).toBe('e3 OK NOOP completed\r\n');
  });
});

describe('SEARCHRES `$` (RFC 5182) is not implemented', () => {
  it('is not advertised, and `$` anywhere in a command is a plain BAD', async () => {
    const { c } = await login();
    await append(c, 'INBOX', msg('one'));
    expect(await c.cmd('r0', 'CAPABILITY')).not.toContain('SEARCHRES');
    await c.cmd('s0', 'SELECT INBOX');
    expect(await c.cmd('r1', 'SEARCH $')).toBe('r1 BAD SEARCHRES ($) is not supported\r\n');
    expect(await c.cmd('r2', 'UID SEARCH OR SEEN (UID $ ALL)')).toBe('r2 BAD SEARCHRES ($) is not supported\r\n');
    expect(await c.cmd('r3', 'UID FETCH $ FLAGS')).toBe('r3 BAD SEARCHRES ($) is not supported\r\n');
    expect(await c.cmd('r4', 'SEARCH ALL')).toBe('* SEARCH 1\r\nr4 OK SEARCH completed\r\n');
  });
});
