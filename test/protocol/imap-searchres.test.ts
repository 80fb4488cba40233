/**
 * SEARCHRES (RFC 5182), which IMAP4rev2 requires (RFC 9051 §6.4.4.1): SEARCH RETURN (SAVE) and `$`
 * in FETCH, STORE, COPY, MOVE, UID EXPUNGE and SEARCH criteria, transcripts over real TCP on the
 * memory store. Dovecot 2.3 implements SEARCHRES; these answers follow the RFC's examples.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';

let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let next = 0;
const msg = (subject: string): string => `From: bob@example.test\r\nSubject: ${subject}\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n`;

/** A fresh account holding messages with `subjects`, INBOX selected. */
async function mailbox(subjects: readonly string[], enable = ''): Promise<RawImap> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  await c.cmd('l', `LOGIN u${next++}@example.test pw`);
  if (enable) await c.cmd('e', `ENABLE ${enable}`);
  for (const s of subjects) expect(await c.cmd('a', `APPEND INBOX {${msg(s).length}+}\r\n${msg(s)}`)).toMatch(/^a OK /);
  await c.cmd('s', 'SELECT INBOX');
  return c;
}

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`u${i}@example.test`, 'pw'])));
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('SEARCHRES (RFC 5182)', () => {
  it('is advertised; `$` before any SAVE is the empty set; SAVE alone sends no ESEARCH and `$` then names the matches, UID or not', async () => {
    const c = await mailbox(['a', 'b', 'a']);
    expect(await c.cmd('c', 'CAPABILITY')).toMatch(/ SEARCHRES /);
    expect(await c.cmd('r0', 'FETCH $ UID')).toBe('r0 OK FETCH completed\r\n');
    expect(await c.cmd('r1', 'SEARCH $')).toBe('* SEARCH\r\nr1 OK SEARCH completed\r\n');
    expect(await c.cmd('r2', 'SEARCH RETURN (SAVE) SUBJECT a')).toBe('r2 OK SEARCH completed\r\n');
    expect(await c.cmd('r3', 'FETCH $ UID')).toBe('* 1 FETCH (UID 1)\r\n* 3 FETCH (UID 3)\r\nr3 OK FETCH completed\r\n');
    expect(await c.cmd('r4', 'UID FETCH $ FLAGS')).toBe('* 1 FETCH (UID 1 FLAGS (\\Recent))\r\n* 3 FETCH (UID 3 FLAGS (\\Recent))\r\nr4 OK FETCH completed\r\n');
    expect(await c.cmd('r5', 'SEARCH NOT $')).toBe('* SEARCH 2\r\nr5 OK SEARCH completed\r\n');
    expect(await c.cmd('r6', 'UID SEARCH OR $ SUBJECT b')).toBe('* SEARCH 1 2 3\r\nr6 OK SEARCH completed\r\n');
    // with other options ESEARCH answers them; MIN / MAX narrow what is saved (§2.4)
    expect(await c.cmd('r7', 'SEARCH RETURN (SAVE COUNT) ALL')).toBe('* ESEARCH (TAG "r7") COUNT 3\r\nr7 OK SEARCH completed\r\n');
    expect(await c.cmd('r8', 'FETCH $ UID')).toMatch(/^\* 1 FETCH \(UID 1\)\r\n\* 2 FETCH \(UID 2\)\r\n\* 3 FETCH \(UID 3\)\r\nr8 OK/);
    expect(await c.cmd('r9', 'SEARCH RETURN (MIN MAX SAVE) ALL')).toBe('* ESEARCH (TAG "r9") MIN 1 MAX 3\r\nr9 OK SEARCH completed\r\n');
    expect(await c.cmd('r10', 'FETCH $ UID')).toBe('* 1 FETCH (UID 1)\r\n* 3 FETCH (UID 3)\r\nr10 OK FETCH completed\r\n');
    // SORT and THREAD criteria take `$` too (they search through the same code)
    expect(await c.cmd('r11', 'UID SORT (REVERSE SUBJECT) UTF-8 $')).toBe('* SORT 1 3\r\nr11 OK SORT completed\r\n'); // 2 is not in $
    expect(await c.cmd('r12', 'THREAD ORDEREDSUBJECT UTF-8 NOT $')).toBe('* THREAD (2)\r\nr12 OK THREAD completed\r\n');
  });

  it('STORE, COPY, MOVE and UID EXPUNGE take `$`; an expunged message leaves it; a failed SEARCH (SAVE) empties it; SELECT resets it', async () => {
    const c = await mailbox(['x', 'y', 'x', 'z']);
    await c.cmd('k', 'CREATE Kept');
    expect(await c.cmd('t1', 'UID SEARCH RETURN (SAVE) SUBJECT x')).toBe('t1 OK SEARCH completed\r\n');
    expect(await c.cmd('t2', 'STORE $ +FLAGS.SILENT (\\Deleted)')).toBe('t2 OK STORE completed\r\n');
    expect(await c.cmd('t3', 'COPY $ Kept')).toMatch(/^t3 OK \[COPYUID \d+ 1,3 1:2\] /);
    expect(await c.cmd('t4', 'UID EXPUNGE $')).toBe('* 3 EXPUNGE\r\n* 1 EXPUNGE\r\nt4 OK EXPUNGE completed\r\n');
    expect(await c.cmd('t5', 'FETCH $ UID')).toBe('t5 OK FETCH completed\r\n'); // both gone from `$`
    expect(await c.cmd('t6', 'SEARCH RETURN (SAVE) SUBJECT z')).toBe('t6 OK SEARCH completed\r\n');
    expect(await c.cmd('t7', 'MOVE $ Kept')).toMatch(/^\* OK \[COPYUID \d+ 4 3\] [^\r]*\r\n\* 2 EXPUNGE\r\nt7 OK /);
    expect(await c.cmd('t8', 'SEARCH RETURN (SAVE) ALL')).toBe('t8 OK SEARCH completed\r\n');
    expect(await c.cmd('t9', 'FETCH $ UID')).toBe('* 1 FETCH (UID 2)\r\nt9 OK FETCH completed\r\n');
    expect(await c.cmd('t10', 'SEARCH RETURN (SAVE) CHARSET KOI8-R ALL')).toMatch(/^t10 NO \[BADCHARSET/);
    expect(await c.cmd('t11', 'FETCH $ UID')).toBe('t11 OK FETCH completed\r\n'); // emptied by the failure
    await c.cmd('t12', 'SEARCH RETURN (SAVE) ALL');
    await c.cmd('t13', 'SELECT Kept');
    expect(await c.cmd('t14', 'FETCH $ UID')).toBe('t14 OK FETCH completed\r\n'); // a new mailbox, an empty `$`
    // SORT keeps refusing SAVE (ESORT's own rules are not implemented); `$` in its criteria works
    expect(await c.cmd('t15', 'SORT RETURN (SAVE) (DATE) UTF-8 ALL')).toMatch(/^t15 BAD /);
  });

  it('in an IMAP4rev2 session: SAVE alone is silent, and other searches answer in ESEARCH form', async () => {
    const c = await mailbox(['p', 'q'], 'IMAP4rev2');
    expect(await c.cmd('v1', 'SEARCH RETURN (SAVE) SUBJECT q')).toBe('v1 OK SEARCH completed\r\n');
    expect(await c.cmd('v2', 'UID SEARCH $')).toBe('* ESEARCH (TAG "v2") UID ALL 2\r\nv2 OK SEARCH completed\r\n');
  });
});
