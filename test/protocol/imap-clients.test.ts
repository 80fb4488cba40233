/**
 * Real IMAP clients (imapflow, node-imap) against one server on the maildir store in a temp
 * directory: what a mail client does day to day — TLS (STARTTLS and implicit), folders with
 * non-ASCII names and special use, APPEND, FETCH of structure and bodies, SEARCH, flags, COPY,
 * MOVE, UID EXPUNGE, QUOTA, IDLE woken by a delivery, and two clients seeing each other's changes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Imap from 'imap';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaildirStore } from '../../src/storage/maildir/store.ts';
import { startImap } from '../harness/imap.ts';

const USER = 'carol@example.test';
const PASS = 'secret-pass';
let root: string;
let srv: Awaited<ReturnType<typeof startImap>>;
const flows: ImapFlow[] = [];

async function flow(secure = false): Promise<ImapFlow> {
  const f = new ImapFlow({ host: '127.0.0.1', port: secure ? srv.tlsPort : srv.port, secure, auth: { user: USER, pass: PASS }, logger: false, tls: { rejectUnauthorized: false } });
  f.on('error', () => undefined);
  await f.connect();
  flows.push(f);
  return f;
}

const mail = (subject: string, body: string, extra = ''): string =>
  `From: Dave <dave@example.test>\r\nTo: Carol <carol@example.test>\r\nSubject: ${subject}\r\nDate: Wed, 4 Nov 2026 09:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.test>\r\n${extra}\r\n${body}\r\n`;

const multipart = mail(
  'with attachment',
  '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached Grüße.\r\n--b1\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="a.pdf"\r\n\r\nJVBERi0xLjQK\r\n--b1--',
  'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n',
);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'imap-clients-'));
  srv = await startImap(new MaildirStore({ root }), { [USER]: PASS }, { allowPlaintextAuth: false });
});
afterAll(async () => {
  for (const f of flows) await f.logout().catch(() => f.close());
  await srv?.server.close();
  await rm(root, { recursive: true, force: true, maxRetries: 3 });
});

describe('imapflow', () => {
  it('logs in over STARTTLS and over implicit TLS; plaintext LOGIN is refused', async () => {
    const starttls = await flow(false);
    expect(starttls.secureConnection).toBe(true);
    expect(starttls.capabilities.has('IDLE')).toBe(true);
    const implicit = await flow(true);
    expect(implicit.authenticated).toBeTruthy();
    const plain = new ImapFlow({ host: '127.0.0.1', port: srv.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASS }, logger: false });
    plain.on('error', () => undefined);
    await expect(plain.connect()).rejects.toThrow();
  });

  it('folders: create with non-ASCII names, special use, rename, delete, status', async () => {
    const f = await flow();
    for (const name of ['Sent', 'Trash', 'Entwürfe', 'Projekte/2026']) await f.mailboxCreate(name);
    const list = await f.list();
    const byPath = new Map(list.map((m) => [m.path, m]));
    expect([...byPath.keys()]).toEqual(expect.arrayContaining(['INBOX', 'Sent', 'Trash', 'Entwürfe', 'Projekte', 'Projekte/2026']));
    expect(byPath.get('Sent')!.specialUse).toBe('\\Sent');
    expect(byPath.get('Trash')!.specialUse).toBe('\\Trash');
    expect(byPath.get('Projekte')!.flags.has('\\HasChildren')).toBe(true);
    await f.mailboxRename('Projekte/2026', 'Projekte/2027');
    expect((await f.list()).map((m) => m.path)).toContain('Projekte/2027');
    await f.mailboxDelete('Projekte/2027');
    expect((await f.list()).map((m) => m.path)).not.toContain('Projekte/2027');
    expect(await f.status('Entwürfe', { messages: true, uidNext: true })).toMatchObject({ path: 'Entwürfe', messages: 0, uidNext: 1 });
  });

  it('APPEND, then FETCH envelope, structure, one part and the whole source; SEARCH; flags', async () => {
    const f = await flow();
    const uidOf = (r: Awaited<ReturnType<ImapFlow['append']>>): number => {
      if (!r || r.uid === undefined) throw new Error('APPEND gave no APPENDUID');
      return r.uid;
    };
    const a1 = { uid: uidOf(await f.append('INBOX', mail('plain hello', 'just text'), ['\\Seen'])) };
    const a2 = { uid: uidOf(await f.append('INBOX', multipart)) };
    expect(a2.uid).toBe(a1.uid + 1);
    const lock = await f.getMailboxLock('INBOX');
    try {
      const msgs = [];
      for await (const m of f.fetch('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true, size: true })) msgs.push(m);
      expect(msgs.map((m) => m.envelope?.subject)).toEqual(['plain hello', 'with attachment']);
      expect(msgs[0]!.flags?.has('\\Seen')).toBe(true);
      expect(msgs[1]!.envelope?.from?.[0]).toMatchObject({ name: 'Dave', address: 'dave@example.test' });
      const bs = msgs[1]!.bodyStructure!;
      expect(bs.type).toBe('multipart/mixed');
      expect(bs.childNodes?.map((p) => p.type)).toEqual(['text/plain', 'application/pdf']);
      expect(bs.childNodes?.[1]?.dispositionParameters?.filename).toBe('a.pdf');
      const part = await f.download(String(a2.uid), '1', { uid: true });
      const chunks: Buffer[] = [];
      for await (const c of part.content!) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString('utf8')).toBe('See the attached Grüße.');
      const whole = await f.fetchOne(String(a2.uid), { source: true }, { uid: true });
      expect(whole && whole.source?.toString()).toBe(multipart);
      expect(await f.search({ seen: false }, { uid: true })).toEqual([a2.uid]);
      expect(await f.search({ body: 'Grüße' }, { uid: true })).toEqual([a2.uid]);
      expect(await f.search({ from: 'dave', subject: 'hello' }, { uid: true })).toEqual([a1.uid]);
      expect(await f.messageFlagsAdd({ uid: String(a2.uid) }, ['\\Flagged', '$Important'], { uid: true })).toBe(true);
      const after = await f.fetchOne(String(a2.uid), { flags: true }, { uid: true });
      expect(after && [...after.flags!]).toEqual(expect.arrayContaining(['$Important', '\\Flagged']));
      expect(after && after.flags!.has('\\Seen')).toBe(false); // imapflow downloads with BODY.PEEK
    } finally {
      lock.release();
    }
  });

  it('COPY and MOVE return the new UIDs; delete uses UID EXPUNGE and leaves the others', async () => {
    const f = await flow();
    const lock = await f.getMailboxLock('INBOX');
    try {
      const copied = await f.messageCopy('1', 'Sent');
      expect(copied && copied.uidMap?.get(1)).toBe(1);
      const moved = await f.messageMove('2', 'Trash');
      expect(moved && moved.uidMap?.size).toBe(1);
      expect(f.mailbox && f.mailbox.exists).toBe(1);
      await f.append('INBOX', mail('to delete', 'bye'));
      const uids = (await f.search({ all: true }, { uid: true })) || [];
      expect(await f.messageDelete({ uid: String(uids[uids.length - 1]) }, { uid: true })).toBe(true);
      expect(await f.search({ all: true }, { uid: true })).toEqual(uids.slice(0, -1));
    } finally {
      lock.release();
    }
    expect(await f.status('Trash', { messages: true })).toMatchObject({ messages: 1 });
  });

  it('QUOTA: usage and limit; an APPEND over the limit is refused with OVERQUOTA', async () => {
    const f = await flow();
    srv.hooks.quotaBytes = 40 * 1024;
    try {
      const q = await f.getQuota('INBOX');
      expect(q && q.storage).toMatchObject({ limit: 40 * 1024 });
      await expect(f.append('INBOX', mail('huge', 'x'.repeat(50 * 1024)))).rejects.toMatchObject({ serverResponseCode: 'OVERQUOTA' });
    } finally {
      srv.hooks.quotaBytes = 0;
    }
  });

  it('IDLE wakes on a delivery; another client sees flag changes and expunges', async () => {
    const watcher = await flow();
    const other = await flow();
    await watcher.mailboxOpen('INBOX');
    const exists = new Promise<number>((r) => watcher.once('exists', (d: { count: number }) => r(d.count)));
    void watcher.idle().catch(() => undefined); // resolves only when idling ends
    // deliver as the delivery path would: straight into the store, then tell the hooks
    const { store, release } = await srv.hooks.registry.acquire(USER);
    const before = (await store.listMessages('INBOX')).length;
    await store.appendMessage('INBOX', Buffer.from(mail('delivered', 'new mail')));
    release();
    srv.hooks.delivered(USER);
    expect(await exists).toBe(before + 1);

    const flags = new Promise<{ uid?: number; flags: Set<string> }>((r) => watcher.once('flags', r));
    const lock = await other.getMailboxLock('INBOX');
    try {
      await other.messageFlagsAdd('1', ['\\Answered']);
      expect([...(await flags).flags]).toContain('\\Answered');
      const gone = new Promise<number>((r) => watcher.once('expunge', (d: { seq: number }) => r(d.seq)));
      await other.messageDelete('1');
      expect(await gone).toBe(1);
    } finally {
      lock.release();
    }
  });

  it('BINARY: a message with NUL octets goes up as literal8 and its parts come back decoded by FETCH BINARY', async () => {
    const f = await flow();
    expect(f.capabilities.has('BINARY')).toBe(true);
    await f.mailboxCreate('Binary');
    const octets = Buffer.from([0x00, 0x10, 0x00, 0xff, 0x0d, 0x0a]);
    const message = Buffer.concat([
      Buffer.from('Subject: octets\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'),
      octets,
      Buffer.from(`\r\n--z\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${octets.toString('base64')}\r\n--z--\r\n`),
    ]);
    const appended = await f.append('Binary', message);
    expect(appended && appended.uid).toBe(1);
    const lock = await f.getMailboxLock('Binary');
    try {
      const m = await f.fetchOne('1', { source: true, bodyParts: ['1', '2'] }, { uid: true, binary: true });
      if (!m) throw new Error('no FETCH answer');
      expect(m.source).toEqual(message); // stored octet for octet
      expect(m.binaryParts).toEqual(new Set(['1', '2'])); // answered as BINARY[…], already decoded
      expect(m.bodyParts?.get('1')).toEqual(octets);
      expect(m.bodyParts?.get('2')).toEqual(octets);
    } finally {
      lock.release();
    }
  });
});

describe('node-imap', () => {
  function connect(): Promise<Imap> {
    const imap = new Imap({ user: USER, password: PASS, host: '127.0.0.1', port: srv.tlsPort, tls: true, tlsOptions: { rejectUnauthorized: false } });
    return new Promise((resolve, reject) => {
      imap.once('error', reject);
      imap.once('ready', () => resolve(imap));
      imap.connect();
    });
  }
  const call = <T>(fn: (cb: (err: Error | null, v: T) => void) => void): Promise<T> => new Promise((res, rej) => fn((e, v) => (e ? rej(e) : res(v))));

  it('lists, appends, searches, fetches headers and text, sets flags, moves and expunges', async () => {
    const imap = await connect();
    try {
      const boxes = await call<Imap.MailBoxes>((cb) => imap.getBoxes(cb));
      expect(Object.keys(boxes)).toEqual(expect.arrayContaining(['INBOX', 'Sent', 'Trash', 'Entwürfe']));
      await call<void>((cb) => imap.append(mail('from node-imap', 'node body'), { mailbox: 'Entwürfe', flags: ['Draft'] }, cb as never));
      const box = await call<Imap.Box>((cb) => imap.openBox('Entwürfe', false, cb));
      expect(box.messages.total).toBe(1);
      expect(box.uidvalidity).toBeGreaterThan(0);
      const uids = await call<number[]>((cb) => imap.search([['SUBJECT', 'node-imap']], cb));
      expect(uids).toEqual([1]);
      const parts = await new Promise<Record<string, string>>((resolve, reject) => {
        const out: Record<string, string> = {};
        const f = imap.fetch(uids, { bodies: ['HEADER.FIELDS (SUBJECT)', 'TEXT'] });
        f.on('message', (m) => m.on('body', (stream, info) => {
          let text = '';
          stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
          stream.on('end', () => (out[info.which] = text));
        }));
        f.once('error', reject);
        f.once('end', () => resolve(out));
      });
      expect(parts['HEADER.FIELDS (SUBJECT)']).toBe('Subject: from node-imap\r\n\r\n');
      expect(parts.TEXT).toBe('node body\r\n');
      await call<void>((cb) => imap.addFlags(uids, ['\\Seen'], cb as never));
      expect(await call<number[]>((cb) => imap.search(['SEEN'], cb))).toEqual([1]);
      await call<void>((cb) => imap.move(uids, 'INBOX', cb as never));
      await call<void>((cb) => imap.closeBox(false, cb as never)); // node-imap refuses STATUS on the open box
      expect((await call<Imap.Box>((cb) => imap.status('Entwürfe', cb))).messages.total).toBe(0);
    } finally {
      imap.end();
    }
  });

  it('gets new mail while the box is open (IDLE)', async () => {
    const imap = await connect();
    try {
      await call<Imap.Box>((cb) => imap.openBox('INBOX', true, cb));
      const got = new Promise<number>((r) => imap.once('mail', r));
      await new Promise((r) => setTimeout(r, 100)); // node-imap enters IDLE once the box is open
      const { store, release } = await srv.hooks.registry.acquire(USER);
      await store.appendMessage('INBOX', Buffer.from(mail('for node-imap', 'x')));
      release();
      srv.hooks.delivered(USER);
      expect(await got).toBe(1);
    } finally {
      imap.end();
    }
  });
});
