/**
 * POP3 transcripts over real TCP against the protocol core on the memory store (RFC 1939, RFC 2449
 * CAPA, RFC 2595 STLS, RFC 5034 AUTH): what a client sends, byte for byte, and the replies it
 * depends on — every command, its errors, the states, the limits and the UPDATE semantics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { parseAccount } from '../../src/util/account.ts';
import { INBOX } from '../../src/storage/types.ts';
import { Pop3Client, payload, startPop3 } from '../harness/pop3.ts';

const USERS = { 'alice@example.test': 'secret-pass', 'bob@example.test': 'secret-pass', 'carol@example.test': 'secret-pass', 'dave@example.test': 'secret pass with spaces' };
let store: MemoryStore;
let srv: Awaited<ReturnType<typeof startPop3>>;
const clients: Pop3Client[] = [];

async function open(port = srv.port, tls = false): Promise<Pop3Client> {
  const { client, greeting } = await Pop3Client.open(port, { tls });
  expect(greeting).toBe('+OK mailcluster POP3 ready\r\n');
  clients.push(client);
  return client;
}
async function login(user = 'alice@example.test'): Promise<Pop3Client> {
  const c = await open();
  expect(await c.login(user, USERS[user as keyof typeof USERS])).toMatch(/^\+OK maildrop has \d+ messages \(\d+ octets\)\r\n$/);
  return c;
}
async function deliver(user: string, raw: string): Promise<number> {
  const acct = await store.openAccount(parseAccount(user));
  return (await acct.appendMessage(INBOX, Buffer.from(raw, 'latin1'))).uid;
}
async function inboxUids(user: string): Promise<number[]> {
  const acct = await store.openAccount(parseAccount(user));
  return (await acct.listMessages(INBOX)).map((m) => m.uid);
}

const M1 = 'Subject: one\r\n\r\nfirst body\r\n';
const M2 = 'Subject: two\r\nX-Long: a\r\n\r\n.starts with a dot\r\nline 2\r\n..two dots\r\nline 4\r\n';
const M3 = 'Subject: three\n\nbare LF body\nsecond line'; // stored without CRLF: sent (and counted) with CRLF

beforeAll(async () => {
  store = new MemoryStore();
  for (const m of [M1, M2, M3]) await deliver('alice@example.test', m);
  srv = await startPop3(store, USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('POP3 AUTHORIZATION', () => {
  it('CAPA lists the capabilities; STLS, USER and SASL only before login', async () => {
    const c = await open();
    expect(await c.multi('CAPA')).toBe('+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\nIMPLEMENTATION mailcluster\r\n.\r\n');
    await c.login('alice@example.test', 'secret-pass');
    expect(await c.multi('capa')).toBe('+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nIMPLEMENTATION mailcluster\r\n.\r\n');
  });

  it('USER/PASS: wrong password, PASS without USER, a bad account name, a password with spaces', async () => {
    const c = await open();
    expect(await c.cmd('PASS secret-pass')).toBe('-ERR give USER first\r\n');
    expect(await c.cmd('USER alice@example.test')).toBe('+OK send PASS\r\n');
    expect(await c.cmd('PASS wrong')).toBe('-ERR [AUTH] wrong user name or password\r\n');
    expect(await c.cmd('PASS secret-pass')).toBe('-ERR give USER first\r\n'); // a failed PASS forgets USER
    expect(await c.login('../etc@example.test', 'x')).toBe('-ERR [AUTH] wrong user name or password\r\n');
    expect(await c.login('dave@example.test', 'secret pass with spaces')).toBe('+OK maildrop has 0 messages (0 octets)\r\n');
  });

  it('commands of the wrong state, unknown commands and bad arguments are -ERR', async () => {
    const c = await open();
    expect(await c.cmd('STAT')).toBe('-ERR STAT is not allowed before login\r\n');
    expect(await c.cmd('RETR 1')).toBe('-ERR RETR is not allowed before login\r\n');
    expect(await c.cmd('NOOP')).toBe('-ERR NOOP is not allowed before login\r\n');
    const d = await open(); // a fresh session: each of these counts toward the bad-command limit
    expect(await d.cmd('XYZZY')).toBe('-ERR unknown command\r\n'); // keywords are 3–4 characters
    expect(await d.cmd('ZZZZ')).toBe('-ERR unknown command ZZZZ\r\n');
    expect(await d.cmd('LIST \u00e9')).toBe('-ERR commands are printable ASCII\r\n');
    expect(await d.cmd('USER')).toBe('-ERR wrong number of arguments to USER\r\n');
    const c2 = await login('bob@example.test');
    expect(await c2.cmd('USER bob@example.test')).toBe('-ERR USER is not allowed after login\r\n');
    expect(await c2.cmd('STLS')).toBe('-ERR STLS is not allowed after login\r\n');
    expect(await c2.cmd('LIST 1 2')).toBe('-ERR wrong number of arguments to LIST\r\n');
  });

  it('AUTH PLAIN with an initial response, with a continuation, cancelled, malformed; AUTH lists mechanisms', async () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const c = await open();
    expect(await c.multi('AUTH')).toBe('+OK SASL mechanisms follow\r\nPLAIN\r\n.\r\n');
    expect(await c.cmd('AUTH CRAM-MD5')).toBe('-ERR mechanism CRAM-MD5 is not supported\r\n');
    expect(await c.cmd('AUTH PLAIN')).toBe('+ \r\n');
    expect(await c.cmd('*')).toBe('-ERR authentication cancelled\r\n');
    expect(await c.cmd('AUTH PLAIN')).toBe('+ \r\n');
    expect(await c.cmd('not base64!')).toBe('-ERR malformed PLAIN credentials\r\n');
    expect(await c.cmd(`AUTH PLAIN ${b64('\0alice@example.test\0wrong')}`)).toBe('-ERR [AUTH] wrong user name or password\r\n');
    expect(await c.cmd('AUTH PLAIN')).toBe('+ \r\n');
    expect(await c.cmd(b64('alice@example.test\0alice@example.test\0secret-pass'))).toMatch(/^\+OK maildrop has 3 messages/);
    const d = await open();
    expect(await d.cmd(`AUTH plain ${b64('\0alice@example.test\0secret-pass')}`)).toMatch(/^\+OK maildrop has 3 messages/);
  });
});

describe('POP3 TRANSACTION', () => {
  const sizes = [M1.length, M2.length, M3.replace(/\n/g, '\r\n').length + 2];

  it('STAT, LIST and UIDL report CRLF sizes and stable ids', async () => {
    const c = await login();
    expect(await c.cmd('STAT')).toBe(`+OK 3 ${sizes[0]! + sizes[1]! + sizes[2]!}\r\n`);
    expect(await c.multi('LIST')).toBe(`+OK 3 messages listed\r\n1 ${sizes[0]}\r\n2 ${sizes[1]}\r\n3 ${sizes[2]}\r\n.\r\n`);
    expect(await c.cmd('LIST 2')).toBe(`+OK 2 ${sizes[1]}\r\n`);
    const uidl = await c.multi('UIDL');
    expect(uidl).toMatch(/^\+OK 3 messages with unique ids\r\n1 00000001[0-9A-F]{8}\r\n2 00000002[0-9A-F]{8}\r\n3 00000003[0-9A-F]{8}\r\n\.\r\n$/);
    expect(await c.cmd('UIDL 3')).toBe(`+OK ${uidl.split('\r\n')[3]}\r\n`);
    const again = await login();
    expect(await again.multi('UIDL')).toBe(uidl); // the same ids in another session
  });

  it('unknown message numbers are -ERR', async () => {
    const c = await login();
    expect(await c.cmd('LIST 0')).toBe('-ERR no such message 0\r\n');
    expect(await c.cmd('LIST 4')).toBe('-ERR no such message 4\r\n');
    expect(await c.cmd('RETR 99')).toBe('-ERR no such message 99\r\n');
    expect(await c.cmd('DELE 4')).toBe('-ERR no such message 4\r\n');
    expect(await c.cmd('UIDL abc')).toBe('-ERR not a message number: abc\r\n');
    expect(await c.cmd('TOP 1 x')).toBe('-ERR not a line count: x\r\n');
    expect(await c.cmd('TOP 1')).toBe('-ERR wrong number of arguments to TOP\r\n');
  });

  it('RETR sends the message byte-stuffed with CRLF line ends, ending CRLF.CRLF', async () => {
    const c = await login();
    expect(await c.multi('RETR 1')).toBe(`+OK ${sizes[0]} octets\r\n${M1}.\r\n`);
    const r2 = await c.multi('RETR 2');
    expect(r2).toBe(`+OK ${sizes[1]} octets\r\nSubject: two\r\nX-Long: a\r\n\r\n..starts with a dot\r\nline 2\r\n...two dots\r\nline 4\r\n.\r\n`);
    expect(payload(r2)).toBe(M2);
    const r3 = await c.multi('RETR 3');
    expect(r3).toBe(`+OK ${sizes[2]} octets\r\nSubject: three\r\n\r\nbare LF body\r\nsecond line\r\n.\r\n`);
    expect(Buffer.byteLength(payload(r3), 'latin1')).toBe(sizes[2]);
  });

  it('TOP sends the headers, the blank line and n body lines', async () => {
    const c = await login();
    expect(await c.multi('TOP 2 0')).toBe('+OK top of message follows\r\nSubject: two\r\nX-Long: a\r\n\r\n.\r\n');
    expect(await c.multi('TOP 2 2')).toBe('+OK top of message follows\r\nSubject: two\r\nX-Long: a\r\n\r\n..starts with a dot\r\nline 2\r\n.\r\n');
    expect(await c.multi('TOP 1 100')).toBe(`+OK top of message follows\r\n${M1}.\r\n`);
  });

  it('DELE marks; a deleted message is refused and not listed; RSET unmarks; NOOP', async () => {
    const c = await login();
    expect(await c.cmd('DELE 2')).toBe('+OK message 2 deleted\r\n');
    expect(await c.cmd('DELE 2')).toBe('-ERR message 2 already deleted\r\n');
    expect(await c.cmd('RETR 2')).toBe('-ERR message 2 already deleted\r\n');
    expect(await c.cmd('TOP 2 0')).toBe('-ERR message 2 already deleted\r\n');
    expect(await c.cmd('LIST 2')).toBe('-ERR message 2 already deleted\r\n');
    expect(await c.cmd('UIDL 2')).toBe('-ERR message 2 already deleted\r\n');
    expect(await c.cmd('STAT')).toBe(`+OK 2 ${sizes[0]! + sizes[2]!}\r\n`);
    expect(await c.multi('LIST')).toBe(`+OK 2 messages listed\r\n1 ${sizes[0]}\r\n3 ${sizes[2]}\r\n.\r\n`);
    expect(await c.cmd('NOOP')).toBe('+OK nothing to do\r\n');
    expect(await c.cmd('RSET')).toBe(`+OK maildrop has 3 messages (${sizes[0]! + sizes[1]! + sizes[2]!} octets)\r\n`);
    expect(await c.cmd('LIST 2')).toBe(`+OK 2 ${sizes[1]}\r\n`);
  });

  it('a dropped connection deletes nothing; QUIT removes the marked messages and marks retrieved ones \\Seen', async () => {
    await deliver('carol@example.test', M1);
    await deliver('carol@example.test', M2);
    await deliver('carol@example.test', M3);
    const before = await inboxUids('carol@example.test');
    const dropped = await login('carol@example.test');
    expect(await dropped.cmd('DELE 1')).toMatch(/^\+OK/);
    dropped.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await inboxUids('carol@example.test')).toEqual(before);

    const c = await login('carol@example.test');
    await c.cmd('DELE 1');
    await c.multi('RETR 2');
    await c.cmd('DELE 3');
    expect(await c.cmd('QUIT')).toBe('+OK mailcluster POP3 signing off (2 messages deleted)\r\n');
    await c.closed;
    expect(await inboxUids('carol@example.test')).toEqual([before[1]]);
    const acct = await store.openAccount(parseAccount('carol@example.test'));
    expect([...(await acct.listMessages(INBOX))[0]!.flags]).toEqual(['\\Seen']);
  });

  it('QUIT before login closes without changes', async () => {
    const c = await open();
    expect(await c.cmd('QUIT')).toBe('+OK mailcluster POP3 signing off\r\n');
    await c.closed;
  });

  it('the maildrop is a snapshot: mail delivered during the session is not shown; another session\'s expunge is -ERR', async () => {
    const user = 'bob@example.test';
    await deliver(user, M1);
    const c = await login(user);
    await deliver(user, M2);
    expect(await c.cmd('STAT')).toBe(`+OK 1 ${M1.length}\r\n`);
    expect(await c.cmd('LIST 2')).toBe('-ERR no such message 2\r\n');
    const other = await login(user);
    expect(await other.cmd('STAT')).toBe(`+OK 2 ${M1.length + M2.length}\r\n`);
    await other.cmd('DELE 1');
    expect(await other.cmd('QUIT')).toMatch(/^\+OK .*\(1 message deleted\)/);
    expect(await c.cmd('RETR 1')).toBe('-ERR [SYS/TEMP] message was deleted by another session\r\n');
  });

  it('pipelined commands are answered in order', async () => {
    const c = await open();
    c.send('USER alice@example.test\r\nPASS secret-pass\r\nSTAT\r\nLIST 1\r\nNOOP\r\n');
    expect(await c.line()).toBe('+OK send PASS\r\n');
    expect(await c.line()).toMatch(/^\+OK maildrop has 3 messages/);
    expect(await c.line()).toMatch(/^\+OK 3 \d+\r\n$/);
    expect(await c.line()).toBe(`+OK 1 ${M1.length}\r\n`);
    expect(await c.line()).toBe('+OK nothing to do\r\n');
  });
});

describe('POP3 limits and TLS', () => {
  it('a line over 255 octets is -ERR and the session goes on; too many bad commands end it', async () => {
    const c = await open();
    expect(await c.cmd(`USER ${'a'.repeat(300)}`)).toBe('-ERR line too long (at most 255 octets)\r\n');
    c.send(`NOOP ${'b'.repeat(100)}`); // an overlong line split across packets
    await new Promise((r) => setTimeout(r, 50));
    expect(await c.cmd('x'.repeat(200))).toBe('-ERR line too long (at most 255 octets)\r\n');
    expect(await c.cmd('CAPA')).toMatch(/^\+OK capability list follows\r\n/);
    await c.multiline();
    expect(await c.cmd('FOO')).toBe('-ERR unknown command FOO\r\n');
    expect(await c.cmd('BAR')).toBe('-ERR unknown command BAR\r\n');
    c.send('BAZ\r\n');
    expect(await c.line()).toBe('-ERR unknown command BAZ\r\n');
    expect(await c.line()).toBe('-ERR too many bad commands; signing off\r\n');
    await c.closed;
  });

  it('autologout after the idle timeout, nothing deleted', async () => {
    const s = await startPop3(store, USERS, { limits: { idleTimeoutMs: 300 } });
    try {
      const { client } = await Pop3Client.open(s.port);
      clients.push(client);
      await client.login('alice@example.test', 'secret-pass');
      await client.cmd('DELE 1');
      expect(await client.line(3000)).toBe('-ERR autologout: idle for too long; signing off\r\n');
      await client.closed;
      expect(await inboxUids('alice@example.test')).toHaveLength(3);
    } finally {
      await s.server.close();
    }
  });

  it('without allowPlaintextAuth: no USER/SASL before STLS, USER and AUTH refused with [AUTH]; after STLS they work; 995 is TLS', async () => {
    const s = await startPop3(store, USERS, { allowPlaintextAuth: false });
    try {
      const { client: c } = await Pop3Client.open(s.port);
      clients.push(c);
      expect(await c.multi('CAPA')).toBe('+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nSTLS\r\nIMPLEMENTATION mailcluster\r\n.\r\n');
      expect(await c.cmd('USER alice@example.test')).toBe('-ERR [AUTH] plaintext authentication disallowed on non-secure connections; use STLS (or port 995)\r\n');
      expect(await c.cmd(`AUTH PLAIN ${Buffer.from('\0alice@example.test\0secret-pass').toString('base64')}`)).toMatch(/^-ERR \[AUTH\] plaintext authentication disallowed/);
      expect(await c.cmd('STLS')).toBe('+OK begin TLS negotiation\r\n');
      await c.startTls();
      expect(await c.cmd('STLS')).toBe('-ERR TLS is already active\r\n');
      expect(await c.multi('CAPA')).toContain('USER\r\nSASL PLAIN\r\n');
      expect(await c.login('alice@example.test', 'secret-pass')).toMatch(/^\+OK maildrop has 3 messages/);

      const { client: t, greeting } = await Pop3Client.open(s.tlsPort, { tls: true });
      clients.push(t);
      expect(greeting).toBe('+OK mailcluster POP3 ready\r\n');
      expect(await t.multi('CAPA')).not.toContain('STLS');
      expect(await t.login('alice@example.test', 'secret-pass')).toMatch(/^\+OK maildrop has 3 messages/);
    } finally {
      await s.server.close();
    }
  });

  it('connections over the limit are refused with -ERR [SYS/TEMP]; closeAccount ends sessions with [SYS/TEMP]', async () => {
    const s = await startPop3(store, USERS, { maxConnections: 1 });
    try {
      const { client: first } = await Pop3Client.open(s.port);
      clients.push(first);
      const { client: second, greeting } = await Pop3Client.open(s.port);
      clients.push(second);
      expect(greeting).toBe('-ERR [SYS/TEMP] too many connections on this server; try again later; signing off\r\n');
      await first.login('alice@example.test', 'secret-pass');
      await first.cmd('DELE 1');
      expect(s.server.sessions()).toEqual({ pop3: 1, proxied: 0 });
      expect(s.server.closeAccount('alice@example.test', 'this server is being drained; please reconnect')).toBe(1);
      expect(await first.line()).toBe('-ERR [SYS/TEMP] this server is being drained; please reconnect; signing off\r\n');
      await first.closed;
      expect(await inboxUids('alice@example.test')).toHaveLength(3);
    } finally {
      await s.server.close();
    }
  });
});
