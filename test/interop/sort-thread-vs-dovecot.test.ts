/**
 * Differential test: the same mailbox appended to Debian's Dovecot and to our IMAP server (memory
 * store), the same SORT / THREAD / ESORT commands sent to both, the untagged results compared as
 * sent (sequence numbers or UIDs in order, thread structure) and the tagged status compared by
 * its word and response code. Dovecot is the reference answer where RFC 5256 leaves room.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { SORT_COMMANDS, SORT_CORPUS } from '../fixtures/sort-corpus.ts';
import { Dovecot } from '../harness/dovecot.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-sort-dovecot-'));
const dovecot = new Dovecot(join(root, 'dovecot'), `maildir:${root}/mail/%d/%n`);
let ours: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];

async function session(port: number, user: string, password: string): Promise<RawImap> {
  const c = await RawImap.open(port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} ${password}`)).toMatch(/(^|\n)l OK/);
  for (const m of SORT_CORPUS) {
    expect(await c.cmd('a', `APPEND INBOX "${m.internalDate}" {${Buffer.byteLength(m.raw)}+}\r\n${m.raw}`)).toMatch(/(^|\n)a OK/);
  }
  expect(await c.cmd('s', 'SELECT INBOX')).toMatch(/(^|\n)s OK/);
  return c;
}

/** The untagged SORT / THREAD / ESEARCH lines and the tagged status word with its code. */
function normalise(reply: string): string[] {
  return reply.split('\r\n').filter(Boolean).map((line) => {
    if (line.startsWith('t ')) return line.replace(/^(t (?:OK|NO|BAD)(?: \[[A-Z]+)?).*$/, '$1');
    return line.replace(/\s+$/, '');
  }).filter((l) => /^(\* (SORT|THREAD|ESEARCH)|t )/.test(l));
}

let theirs: RawImap;
let mine: RawImap;

beforeAll(async () => {
  // Dovecot's mail processes run as nobody (uid/gid 65534 on Debian): they create the maildir.
  mkdirSync(join(root, 'mail'));
  chownSync(join(root, 'mail'), 65534, 65534);
  chmodSync(root, 0o755);
  await dovecot.start();
  ours = await startImap(new MemoryStore(), { 'sorter@example.test': 'pass' });
  theirs = await session(dovecot.imapPort, 'sorter@example.test', 'pass');
  mine = await session(ours.port, 'sorter@example.test', 'pass');
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await ours?.server.close();
  await dovecot.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('SORT and THREAD agree with Dovecot on the same mailbox', () => {
  it.each(SORT_COMMANDS)('%s', async (command) => {
    const expected = normalise(await theirs.cmd('t', command));
    const got = normalise(await mine.cmd('t', command));
    expect(got).toEqual(expected);
  });
});
