/**
 * Differential test for SEARCHRES (RFC 5182), which IMAP4rev2 requires and Dovecot 2.3 implements:
 * the same mailbox appended to Debian's Dovecot and to our IMAP server (memory store), the same
 * SEARCH RETURN (SAVE …) / `$` script sent to both in order, the SEARCH, ESEARCH, FETCH and
 * EXPUNGE lines compared as sent and each tagged reply by its word and response code.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { Dovecot } from '../harness/dovecot.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-searchres-dovecot-'));
const dovecot = new Dovecot(join(root, 'dovecot'), `maildir:${root}/mail/%d/%n`);
let ours: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
const SUBJECTS = ['apple', 'banana', 'apple pie', 'cherry', 'banana split'];

/** Run in this order on both servers: each step depends on the `$` the earlier ones left. */
const SCRIPT = [
  'SEARCH $',
  'SEARCH RETURN (SAVE) SUBJECT apple',
  'FETCH $ (UID)',
  'UID FETCH $ (UID)',
  'SEARCH NOT $',
  'UID SEARCH OR $ SUBJECT cherry',
  'SEARCH RETURN (SAVE COUNT) SUBJECT banana',
  'FETCH $ (UID)',
  'SEARCH RETURN (SAVE MIN) ALL',
  'FETCH $ (UID)',
  'SEARCH RETURN (MAX SAVE MIN) ALL',
  'FETCH $ (UID)',
  'STORE $ +FLAGS.SILENT (\\Deleted)',
  'UID EXPUNGE $',
  'FETCH $ (UID)',
  'SEARCH RETURN (SAVE) SUBJECT banana',
  'COPY $ INBOX',
  'SEARCH RETURN (SAVE) CHARSET X-NO-SUCH-CHARSET ALL',
  'FETCH $ (UID)',
];

async function session(port: number): Promise<RawImap> {
  const c = await RawImap.open(port);
  clients.push(c);
  expect(await c.cmd('l', 'LOGIN saver@example.test pass')).toMatch(/(^|\n)l OK/);
  for (const s of SUBJECTS) {
    const m = `From: a@example.test\r\nSubject: ${s}\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n`;
    expect(await c.cmd('a', `APPEND INBOX {${m.length}+}\r\n${m}`)).toMatch(/(^|\n)a OK/);
  }
  expect(await c.cmd('s', 'SELECT INBOX')).toMatch(/(^|\n)s OK/);
  return c;
}

/** The result lines and the tagged word with its response code. */
function normalise(reply: string): string[] {
  return reply.split('\r\n').filter(Boolean).map((line) => {
    if (line.startsWith('t ')) return line.replace(/^(t (?:OK|NO|BAD)(?: \[[A-Z]+)?).*$/, '$1');
    return line.replace(/\s+$/, '');
  }).filter((l) => /^(\* (SEARCH|ESEARCH|\d+ FETCH|\d+ EXPUNGE)|t )/.test(l));
}

let theirs: RawImap;
let mine: RawImap;

beforeAll(async () => {
  mkdirSync(join(root, 'mail'));
  chownSync(join(root, 'mail'), 65534, 65534); // Dovecot's mail processes run as nobody
  chmodSync(root, 0o755);
  await dovecot.start();
  ours = await startImap(new MemoryStore(), { 'saver@example.test': 'pass' });
  theirs = await session(dovecot.imapPort);
  mine = await session(ours.port);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await ours?.server.close();
  await dovecot.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('SEARCHRES agrees with Dovecot on the same mailbox', () => {
  it('answers the whole SAVE / $ script as Dovecot does, step by step', async () => {
    for (const command of SCRIPT) {
      const expected = normalise(await theirs.cmd('t', command));
      const got = normalise(await mine.cmd('t', command));
      expect(got, command).toEqual(expected);
    }
  });
});
