/**
 * APPEND extensions over real TCP against the protocol core on the maildir store (real disk):
 * MULTIAPPEND (RFC 3502), then BINARY (RFC 3516) and CATENATE (RFC 4469) — exact client bytes,
 * exact replies, and what is on disk afterwards.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaildirStore } from '../../src/storage/maildir/store.ts';
import { parseAccount } from '../../src/util/account.ts';
import { MAX_URL_PARTS } from '../../src/protocol/imap/server/commands/catenate.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-append-'));
const store = new MaildirStore({ root });
const MAX_LITERAL = 4096;
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let users = 0;
/** A fresh account, logged in. */
async function login(): Promise<{ c: RawImap; user: string }> {
  const user = `u${++users}@example.test`;
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK /);
  return { c, user };
}
const msg = (subject: string, body = 'hello'): string => `From: bob@example.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;
const curFiles = (user: string, folder = ''): string[] => readdirSync(join(store.accountDir(parseAccount(user)), folder, 'cur'));

beforeAll(async () => {
  srv = await startImap(store, new Proxy({}, { get: () => 'secret-pass' }), { maxLiteralSize: MAX_LITERAL });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('MULTIAPPEND (RFC 3502)', () => {
  it('is advertised', async () => {
    const { c } = await login();
    expect(await c.cmd('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY [^\r]* MULTIAPPEND[ \r]/);
  });

  it('§6.3.11: three messages with synchronising literals, one + each, one OK naming all UIDs', async () => {
    const { c, user } = await login();
    const [m1, m2, m3] = [msg('one'), msg('two'), msg('three')];
    c.send(`a1 APPEND INBOX (\\Seen) {${m1.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${m1} "05-Oct-2025 08:30:00 +0200" {${m2.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${m2} (\\Flagged $Work) {${m3.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${m3}\r\n`);
    const ok = await c.until('a1');
    const [, validity] = /^a1 OK \[APPENDUID (\d+) 1:3\] APPEND completed\r\n$/.exec(ok) ?? [];
    expect(validity).toBeDefined();
    expect(curFiles(user)).toHaveLength(3);
    expect(await c.cmd('a2', 'SELECT INBOX')).toContain(`* OK [UIDVALIDITY ${validity}]`);
    expect(await c.cmd('a3', 'FETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE)')).toMatch(new RegExp(
      `^\\* 1 FETCH \\(UID 1 FLAGS \\(\\\\Seen \\\\Recent\\) INTERNALDATE "[^"]+" RFC822.SIZE ${m1.length}\\)\r\n` +
      `\\* 2 FETCH \\(UID 2 FLAGS \\(\\\\Recent\\) INTERNALDATE "05-Oct-2025 06:30:00 \\+0000" RFC822.SIZE ${m2.length}\\)\r\n` +
      `\\* 3 FETCH \\(UID 3 FLAGS \\(\\\\Flagged \\$Work \\\\Recent\\) INTERNALDATE "[^"]+" RFC822.SIZE ${m3.length}\\)\r\na3 OK`,
    ));
    expect(await c.cmd('a4', 'UID FETCH 3 BODY.PEEK[HEADER.FIELDS (SUBJECT)]')).toContain('Subject: three\r\n');
  });

  it('the selected mailbox learns of all of them at once: * n EXISTS before the OK', async () => {
    const { c } = await login();
    await c.cmd('s', 'SELECT INBOX');
    const [m1, m2] = [msg('x'), msg('y')];
    expect(await c.cmd('b1', `APPEND INBOX {${m1.length}+}\r\n${m1} {${m2.length}+}\r\n${m2}`)).toMatch(/^\* 2 EXISTS\r\n\* 2 RECENT\r\nb1 OK \[APPENDUID \d+ 1:2\] APPEND completed\r\n$/);
  });

  it('all or nothing: an empty message, a bad flag or a missing mailbox fails the command and stores none', async () => {
    const { c, user } = await login();
    const m = msg('keep');
    expect(await c.cmd('c0', `APPEND INBOX {${m.length}+}\r\n${m}`)).toMatch(/^c0 OK \[APPENDUID \d+ 1\]/);
    expect(await c.cmd('c1', `APPEND INBOX {${m.length}+}\r\n${m} {0+}\r\n`)).toBe('c1 NO [CANNOT] empty message\r\n');
    expect(await c.cmd('c2', `APPEND INBOX {${m.length}+}\r\n${m} (\\Bogus) {${m.length}+}\r\n${m}`)).toBe('c2 NO [CANNOT] invalid flag\r\n');
    expect(await c.cmd('c3', `APPEND Nope {${m.length}+}\r\n${m} {${m.length}+}\r\n${m}`)).toMatch(/^c3 NO \[TRYCREATE\]/);
    expect(await c.cmd('c4', 'STATUS INBOX (MESSAGES UIDNEXT)')).toMatch(/^\* STATUS INBOX \(MESSAGES 1 UIDNEXT 2\)\r\nc4 OK/);
    expect(curFiles(user)).toHaveLength(1);
    expect(readdirSync(join(store.accountDir(parseAccount(user)), 'tmp'))).toEqual([]);
    expect(await c.cmd('c5', `APPEND INBOX {${m.length}+}\r\n${m}`)).toMatch(/^c5 OK \[APPENDUID \d+ 2\]/); // no UID was used up
  });

  it('the quota counts all messages together: each fits, the three do not → NO [OVERQUOTA], none stored', async () => {
    const { c, user } = await login();
    const m = msg('big', 'x'.repeat(1500));
    srv.hooks.quotaBytes = 4000;
    try {
      expect(await c.cmd('q1', `APPEND INBOX {${m.length}+}\r\n${m} {${m.length}+}\r\n${m} {${m.length}+}\r\n${m}`)).toBe('q1 NO [OVERQUOTA] the messages do not fit in the quota\r\n');
      expect(curFiles(user)).toHaveLength(0);
      expect(await c.cmd('q2', `APPEND INBOX {${m.length}+}\r\n${m} {${m.length}+}\r\n${m}`)).toMatch(/^q2 OK \[APPENDUID \d+ 1:2\]/);
    } finally {
      srv.hooks.quotaBytes = 0;
    }
  });

  it('a literal over the limit in mid-command: NO [TOOBIG], the earlier messages are not stored, the session goes on', async () => {
    const { c, user } = await login();
    const m = msg('first');
    c.send(`t1 APPEND INBOX {${m.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${m} {${MAX_LITERAL + 1}}\r\n`); // synchronising: the client sends no data without +
    expect(await c.until('t1')).toBe(`t1 NO [TOOBIG] literal too big (at most ${MAX_LITERAL} bytes)\r\n`);
    expect(await c.cmd('t2', 'STATUS INBOX (MESSAGES)')).toMatch(/\(MESSAGES 0\)\r\nt2 OK/);
    expect(curFiles(user)).toHaveLength(0);
  });
});

describe('BINARY (RFC 3516)', () => {
  const bin = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x0d, 0x0a, 0x00]);
  /** A message whose second part is binary content (CTE binary, NULs included). */
  const binaryMail = Buffer.concat([
    Buffer.from('Subject: bin\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'),
    bin,
    Buffer.from('\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n' + bin.toString('base64') + '\r\n--b\r\nContent-Type: application/x-thing\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n--b--\r\n'),
  ]);
  const sendBytes = (c: RawImap, ...parts: Array<string | Buffer>): void => void c.socket.write(Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p, 'latin1')))));

  it('is advertised', async () => {
    const { c } = await login();
    expect(await c.cmd('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY [^\r]* BINARY[ \r]/);
  });

  it('§4.4: APPEND with a synchronising literal8 stores the octets as sent; BODY[] gives them back', async () => {
    const { c, user } = await login();
    c.send(`a1 APPEND INBOX ~{${binaryMail.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    sendBytes(c, binaryMail, '\r\n');
    expect(await c.until('a1')).toMatch(/^a1 OK \[APPENDUID \d+ 1\] APPEND completed\r\n$/);
    expect(curFiles(user)).toHaveLength(1);
    await c.cmd('s', 'SELECT INBOX');
    expect(await c.cmd('a2', 'FETCH 1 (RFC822.SIZE BODY.PEEK[])')).toBe(`* 1 FETCH (RFC822.SIZE ${binaryMail.length} BODY[] {${binaryMail.length}}\r\n${binaryMail.toString('latin1')})\r\na2 OK FETCH completed\r\n`);
  });

  it('§4.2: BINARY.PEEK decodes each part; NUL content comes as literal8, BINARY.SIZE is the decoded size', async () => {
    const { c } = await login();
    sendBytes(c, `a0 APPEND INBOX ~{${binaryMail.length}+}\r\n`, binaryMail, '\r\n');
    await c.until('a0');
    await c.cmd('s', 'SELECT INBOX');
    expect(await c.cmd('b1', 'FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])')).toBe('* 1 FETCH (BINARY[1] {7}\r\nGrüße BINARY.SIZE[1] 7)\r\nb1 OK FETCH completed\r\n'.replace('Grüße', Buffer.from('Grüße').toString('latin1')));
    expect(await c.cmd('b2', 'FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[3] BINARY.SIZE[3])')).toBe(
      `* 1 FETCH (BINARY[2] ~{7}\r\n${bin.toString('latin1')} BINARY.SIZE[2] 7 BINARY[3] ~{7}\r\n${bin.toString('latin1')} BINARY.SIZE[3] 7)\r\nb2 OK FETCH completed\r\n`,
    );
    // <partial> counts decoded octets; the origin is echoed
    expect(await c.cmd('b3', 'FETCH 1 BINARY.PEEK[3]<2.3>')).toBe(`* 1 FETCH (BINARY[3]<2> {3}\r\n${bin.subarray(2, 5).toString('latin1')})\r\nb3 OK FETCH completed\r\n`);
    expect(await c.cmd('b4', 'FETCH 1 FLAGS')).toBe('* 1 FETCH (FLAGS (\\Recent))\r\nb4 OK FETCH completed\r\n');
  });

  it('BINARY without PEEK sets \\Seen; a missing part is NIL; BINARY.SIZE of one is NO', async () => {
    const { c } = await login();
    sendBytes(c, `a0 APPEND INBOX ~{${binaryMail.length}+}\r\n`, binaryMail, '\r\n');
    await c.until('a0');
    await c.cmd('s', 'SELECT INBOX');
    expect(await c.cmd('d1', 'FETCH 1 BINARY[9]')).toBe('* 1 FETCH (BINARY[9] NIL FLAGS (\\Seen \\Recent))\r\nd1 OK FETCH completed\r\n');
    expect(await c.cmd('d2', 'FETCH 1 BINARY.SIZE[9]')).toBe('d2 NO message 1 has no part 9\r\n');
  });

  it('§4.3: an encoding the server cannot decode is NO [UNKNOWN-CTE], and a refused BINARY sets no \\Seen', async () => {
    const { c } = await login();
    sendBytes(c, `a0 APPEND INBOX ~{${binaryMail.length}+}\r\n`, binaryMail, '\r\n');
    await c.until('a0');
    await c.cmd('s', 'SELECT INBOX');
    expect(await c.cmd('e1', 'FETCH 1 BINARY.PEEK[4]')).toBe('e1 NO [UNKNOWN-CTE] cannot decode content-transfer-encoding x-uuencode\r\n');
    expect(await c.cmd('e2', 'FETCH 1 BINARY.SIZE[4]')).toMatch(/^e2 NO \[UNKNOWN-CTE\]/);
    expect(await c.cmd('e3', 'FETCH 1 BODY.PEEK[4]')).toBe('* 1 FETCH (BODY[4] {11}\r\nbegin 644 x)\r\ne3 OK FETCH completed\r\n');
    expect(await c.cmd('e4', 'FETCH 1 (BINARY[1] BINARY[4])')).toMatch(/^e4 NO \[UNKNOWN-CTE\]/);
    expect(await c.cmd('e5', 'FETCH 1 FLAGS')).toBe('* 1 FETCH (FLAGS (\\Recent))\r\ne5 OK FETCH completed\r\n'); // refused before \Seen was set
  });

  it('MULTIAPPEND mixes literal8 and literal messages in one command', async () => {
    const { c } = await login();
    const m = msg('plain');
    sendBytes(c, `f1 APPEND INBOX ~{${binaryMail.length}+}\r\n`, binaryMail, ` {${m.length}+}\r\n${m}\r\n`);
    expect(await c.until('f1')).toMatch(/^f1 OK \[APPENDUID \d+ 1:2\]/);
    await c.cmd('s', 'SELECT INBOX');
    expect(await c.cmd('f2', 'FETCH 1:2 (BINARY.SIZE[1] BINARY.SIZE[])')).toBe(`* 1 FETCH (BINARY.SIZE[1] 7 BINARY.SIZE[] ${binaryMail.length})\r\n* 2 FETCH (BINARY.SIZE[1] 7 BINARY.SIZE[] ${m.length})\r\nf2 OK FETCH completed\r\n`);
  });
});

describe('CATENATE (RFC 4469)', () => {
  const source = 'Subject: source\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--q\r\nContent-Type: text/plain\r\n\r\nsecond part\r\n--q--\r\n';
  /** A fresh account with `source` in INBOX as UID 1; returns its UIDVALIDITY. */
  async function withSource(): Promise<{ c: RawImap; user: string; v: string }> {
    const { c, user } = await login();
    const ok = await c.cmd('s0', `APPEND INBOX {${source.length}+}\r\n${source}`);
    const v = /APPENDUID (\d+) 1\]/.exec(ok)?.[1];
    if (!v) throw new Error(ok);
    return { c, user, v };
  }
  const fetchWhole = async (c: RawImap, box: string, uid: number): Promise<string> => {
    await c.cmd('x1', `EXAMINE ${box}`);
    const r = await c.cmd('x2', `UID FETCH ${uid} BODY.PEEK[]`);
    const m = /BODY\[\] \{(\d+)\}\r\n/.exec(r);
    if (!m) throw new Error(r);
    return r.slice(m.index + m[0].length, m.index + m[0].length + Number(m[1]));
  };

  it('is advertised', async () => {
    const { c } = await login();
    expect(await c.cmd('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY [^\r]* CATENATE[ \r]/);
  });

  it('§5: TEXT literals and URLs (a section, a partial, the whole message) make one new message', async () => {
    const { c, v } = await withSource();
    const head = 'Subject: forwarded\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n';
    const mid = '\r\n--z\r\nContent-Type: message/rfc822\r\n\r\n';
    const end = '\r\n--z--\r\n';
    c.send(`a1 APPEND Drafts (\\Draft) CATENATE (TEXT {${head.length}}\r\n`);
    expect(await c.read((b) => b.endsWith('\r\n'))).toBe('+ go ahead\r\n');
    c.send(`${head} URL "/INBOX;UIDVALIDITY=${v}/;UID=1/;SECTION=2.MIME" URL /INBOX;UIDVALIDITY=${v}/;UID=1/;SECTION=2/;PARTIAL=0.6 TEXT {${mid.length}+}\r\n${mid} URL /inbox/;UID=1 TEXT {${end.length}+}\r\n${end})\r\n`);
    expect(await c.until('a1')).toMatch(/^a1 NO \[TRYCREATE\]/); // resolved, then the destination is missing
    await c.cmd('a2', 'CREATE Drafts');
    c.send(`a3 APPEND Drafts (\\Draft) CATENATE (TEXT {${head.length}+}\r\n${head} URL "/INBOX;UIDVALIDITY=${v}/;UID=1/;SECTION=2.MIME" URL /INBOX;UIDVALIDITY=${v}/;UID=1/;SECTION=2/;PARTIAL=0.6 TEXT {${mid.length}+}\r\n${mid} URL /inbox/;UID=1 TEXT {${end.length}+}\r\n${end})\r\n`);
    expect(await c.until('a3')).toMatch(/^a3 OK \[APPENDUID \d+ 1\] APPEND completed\r\n$/);
    expect(await fetchWhole(c, 'Drafts', 1)).toBe(`${head}Content-Type: text/plain\r\n\r\nsecond${mid}${source}${end}`);
    expect(await c.cmd('a4', 'UID FETCH 1 FLAGS')).toMatch(/FLAGS \(\\Draft \\Recent\)/);
    await c.cmd('a5', 'EXAMINE INBOX');
    expect(await c.cmd('a6', 'FETCH 1 FLAGS')).toBe('* 1 FETCH (FLAGS (\\Recent))\r\na6 OK FETCH completed\r\n'); // the source was not marked \Seen
  });

  it('[BADURL url]: a wrong UIDVALIDITY, a missing message, mailbox or section, an absolute URL; nothing stored', async () => {
    const { c, user, v } = await withSource();
    const bad = async (url: string): Promise<string> => c.cmd('b', `APPEND INBOX CATENATE (TEXT {2+}\r\nhi URL "${url}")`);
    expect(await bad(`/INBOX;UIDVALIDITY=${Number(v) + 1}/;UID=1`)).toBe(`b NO [BADURL /INBOX;UIDVALIDITY=${Number(v) + 1}/;UID=1] the URL names no message of yours\r\n`);
    expect(await bad('/INBOX/;UID=99')).toBe('b NO [BADURL /INBOX/;UID=99] the URL names no message of yours\r\n');
    expect(await bad('/Nope/;UID=1')).toBe('b NO [BADURL /Nope/;UID=1] the URL names no message of yours\r\n');
    expect(await bad('/INBOX/;UID=1/;SECTION=7')).toBe('b NO [BADURL /INBOX/;UID=1/;SECTION=7] the message has no such section\r\n');
    expect(await bad('imap://u@other.example/INBOX/;UID=1')).toBe('b NO [BADURL imap://u@other.example/INBOX/;UID=1] not a relative IMAP URL of a message on this server\r\n');
    expect(await bad('/INBOX/;UID=1/;SECTION=]')).toBe('b NO [BADURL /INBOX/;UID=1/;SECTION=%5D] not a relative IMAP URL of a message on this server\r\n');
    expect(curFiles(user)).toHaveLength(1);
  });

  it('with MULTIAPPEND: a BADURL in the second message stores neither', async () => {
    const { c, user, v } = await withSource();
    const m = msg('plain');
    expect(await c.cmd('m1', `APPEND INBOX {${m.length}+}\r\n${m} CATENATE (URL /INBOX;UIDVALIDITY=${v}/;UID=7)`)).toMatch(/^m1 NO \[BADURL /);
    expect(curFiles(user)).toHaveLength(1);
    expect(await c.cmd('m2', `APPEND INBOX {${m.length}+}\r\n${m} CATENATE (URL /INBOX;UIDVALIDITY=${v}/;UID=1/;SECTION=1 TEXT {2+}\r\n!!)`)).toMatch(/^m2 OK \[APPENDUID \d+ 2:3\]/);
    expect(await fetchWhole(c, 'INBOX', 3)).toBe('first part!!');
  });

  it('[TOOBIG]: a catenated message over the literal limit is refused; an empty one is CANNOT; more than 256 URLs is LIMIT', async () => {
    const { c, user } = await withSource();
    const urls = Array.from({ length: Math.ceil(MAX_LITERAL / source.length) + 1 }, () => 'URL /INBOX/;UID=1').join(' ');
    expect(await c.cmd('t1', `APPEND INBOX CATENATE (${urls})`)).toBe(`t1 NO [TOOBIG] the catenated message is larger than ${MAX_LITERAL} bytes\r\n`);
    expect(await c.cmd('t2', 'APPEND INBOX CATENATE (URL /INBOX/;UID=1/;PARTIAL=100000)')).toBe('t2 NO [CANNOT] empty message\r\n');
    const oneByte = (n: number): string => Array.from({ length: n }, () => 'URL /INBOX/;UID=1/;PARTIAL=0.1').join(' ');
    expect(await c.cmd('t3', `APPEND INBOX CATENATE (${oneByte(MAX_URL_PARTS + 1)})`)).toBe(`t3 NO [LIMIT] at most ${MAX_URL_PARTS} URLs in one APPEND\r\n`);
    expect(curFiles(user)).toHaveLength(1);
    expect(await c.cmd('t4', `APPEND INBOX CATENATE (${oneByte(MAX_URL_PARTS)})`)).toMatch(/^t4 OK \[APPENDUID \d+ 2\]/);
  });
});
