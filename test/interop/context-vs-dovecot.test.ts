/**
 * Differential test of CONTEXT=SEARCH (RFC 5267 §4): the same two-session script against Debian's
 * Dovecot and our IMAP server (memory store): live UID and message-number searches with and
 * without MIN / MAX / COUNT, then another session's APPEND, STORE and EXPUNGE, CANCELUPDATE of an
 * unknown and of a known tag. Compared: the ESEARCH, EXISTS and EXPUNGE lines in order, and each
 * tagged reply's status word. (Dovecot does not implement CONTEXT=SORT: SORT contexts are not compared.)
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { Dovecot } from '../harness/dovecot.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-context-dovecot-'));
const dovecot = new Dovecot(join(root, 'dovecot'), `maildir:${root}/mail/%d/%n`);
let ours: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];

const msg = (s: string): string => `From: bob@example.test\r\nSubject: ${s}\r\n\r\nbody\r\n`;
const append = (s: string): string => `APPEND INBOX {${msg(s).length}+}\r\n${msg(s)}`;

/** Runs the script on the server at `port`; returns what is compared. */
async function transcript(port: number): Promise<string[]> {
  const a = await RawImap.open(port);
  const b = await RawImap.open(port);
  clients.push(a, b);
  const out: string[] = [];
  const keep = (reply: string, tag: string): void => {
    for (const line of reply.split('\r\n')) {
      if (/^\* (ESEARCH|\d+ EXISTS|\d+ EXPUNGE)/.test(line)) out.push(line);
      else if (line.startsWith(`${tag} `)) out.push(line.slice(0, tag.length + 3).trim());
    }
  };
  const A = async (tag: string, command: string): Promise<void> => keep(await a.cmd(tag, command), tag);
  expect(await a.cmd('l', 'LOGIN ctx@example.test pass')).toMatch(/l OK/);
  expect(await b.cmd('l', 'LOGIN ctx@example.test pass')).toMatch(/l OK/);
  for (const s of ['c', 'a', 'b']) expect(await a.cmd('a', append(s))).toMatch(/a OK/);
  expect(await a.cmd('s', 'SELECT INBOX')).toMatch(/s OK/);
  expect(await b.cmd('s', 'SELECT INBOX')).toMatch(/s OK/);
  await A('u1', 'UID SEARCH RETURN (UPDATE) UNSEEN');
  await A('u2', 'UID SEARCH RETURN (COUNT UPDATE) UNSEEN');
  await A('u3', 'SEARCH RETURN (ALL UPDATE) UNDELETED');
  await A('u4', 'UID SEARCH RETURN (MIN MAX UPDATE) UNSEEN');
  expect(await b.cmd('b', append('d'))).toMatch(/b OK/);
  await A('n1', 'NOOP');
  expect(await b.cmd('b', 'STORE 1 +FLAGS (\\Seen)')).toMatch(/b OK/);
  await A('n2', 'NOOP');
  expect(await b.cmd('b', 'STORE 2 +FLAGS.SILENT (\\Deleted)')).toMatch(/b OK/);
  expect(await b.cmd('b', 'EXPUNGE')).toMatch(/b OK/);
  await A('n3', 'NOOP');
  await A('c1', 'CANCELUPDATE "zz"');
  await A('c2', 'CANCELUPDATE "u1"');
  expect(await b.cmd('b', 'STORE 1 -FLAGS (\\Seen)')).toMatch(/b OK/);
  await A('n4', 'NOOP');
  return out;
}

beforeAll(async () => {
  mkdirSync(join(root, 'mail'));
  chownSync(join(root, 'mail'), 65534, 65534);
  chmodSync(root, 0o755);
  await dovecot.start();
  ours = await startImap(new MemoryStore(), { 'ctx@example.test': 'pass' });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await ours?.server.close();
  await dovecot.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('CONTEXT=SEARCH agrees with Dovecot', () => {
  it('the same updates, in the same order, for the same changes', async () => {
    const theirs = await transcript(dovecot.imapPort);
    const mine = await transcript(ours.port);
    expect(mine).toEqual(theirs);
    expect(theirs).toContain('* ESEARCH (TAG "u3") REMOVEFROM (0 2)'); // the script exercises what it should
  });
});
