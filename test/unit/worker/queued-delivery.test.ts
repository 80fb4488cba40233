/**
 * Queued deliveries are not stored twice: MaildirDelivery names a queued message by its queue id
 * (`,Q=`) and, on a retry, stores nothing when a copy with that id is already in the INBOX; the
 * queue id travels to a remote holder as the LMTP ENVID.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { MaildirDelivery } from '../../../worker/delivery/maildir-delivery.ts';
import { LmtpPool } from '../../../worker/delivery/lmtp-pool.ts';
import { decodeEnvid, encodeEnvid } from '../../../worker/lmtp/envid.ts';
import { setFsyncGate } from '../../../src/util/fsync.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-queued-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const inbox = (local: string) => ['new', 'cur'].flatMap((d) => readdirSync(join(root, 'mail', 'x.test', local, d)));
const msg = Buffer.from('Subject: q\r\n\r\nhi\r\n');

describe('MaildirDelivery with a queue id', () => {
  it('a retry of a stored queue id stores nothing; a first attempt, another id or another account stores', async () => {
    const duplicates: string[] = [];
    const d = new MaildirDelivery({ root, onDuplicate: (_a, id) => duplicates.push(id) });
    await d.deliver('a@x.test', '1', msg, { queueId: 'abc', retry: false });
    expect(inbox('a')).toEqual([expect.stringMatching(/,S=\d+,W=\d+,Q=abc$/)]);
    await d.deliver('a@x.test', '1', msg, { queueId: 'abc', retry: true });
    expect(inbox('a')).toHaveLength(1);
    expect(duplicates).toEqual(['abc']);
    // found in cur/ too, after a client saw it (flags appended)
    const [name] = readdirSync(join(root, 'mail', 'x.test', 'a', 'new'));
    renameSync(join(root, 'mail', 'x.test', 'a', 'new', name!), join(root, 'mail', 'x.test', 'a', 'cur', `${name}:2,S`));
    await d.deliver('a@x.test', '1', msg, { queueId: 'abc', retry: true });
    expect(inbox('a')).toHaveLength(1);
    // `,Q=ab` is not `,Q=abc`; a retry of an id never stored stores it
    await d.deliver('a@x.test', '1', msg, { queueId: 'ab', retry: true });
    expect(inbox('a')).toHaveLength(2);
    await d.deliver('b@x.test', '1', msg, { queueId: 'abc', retry: true });
    expect(inbox('b')).toHaveLength(1);
  });
});

describe('MaildirDelivery with a slow disk', () => {
  it('a retry arriving while the first attempt is still writing waits for it and stores nothing', async () => {
    const duplicates: string[] = [];
    const d = new MaildirDelivery({ root, onDuplicate: (_a, id) => duplicates.push(id) });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = 0;
    setFsyncGate(async (path) => {
      if (path.includes('/tmp/') && held++ === 0) await released; // the first attempt's file fsync hangs
    });
    try {
      const first = d.deliver('slow@x.test', '1', msg, { queueId: 'hung', retry: false });
      await expect.poll(() => held).toBe(1);
      const retry = d.deliver('slow@x.test', '1', msg, { queueId: 'hung', retry: true });
      const other = d.deliver('slow@x.test', '1', msg, { queueId: 'other', retry: false });
      await other; // another message is not held up behind it
      release();
      await Promise.all([first, retry]);
    } finally {
      setFsyncGate();
    }
    expect(inbox('slow').filter((n) => n.includes(',Q=hung'))).toHaveLength(1);
    expect(inbox('slow')).toHaveLength(2);
    expect(duplicates).toEqual(['hung']);
  });
});

describe('MaildirDelivery error paths', () => {
  it('a refused commit (fence) leaves nothing in tmp/ or new/', async () => {
    const d = new MaildirDelivery({ root, checkFence: async () => { throw new Error('fenced'); } });
    await expect(d.deliver('c@x.test', '1', msg)).rejects.toThrow('fenced');
    const acct = join(root, 'mail', 'x.test', 'c');
    expect(readdirSync(join(acct, 'tmp'))).toEqual([]);
    expect(readdirSync(join(acct, 'new'))).toEqual([]);
  });

  it('a Maildir without new/ gets it back, and the message is stored', async () => {
    const acct = join(root, 'mail', 'x.test', 'd');
    mkdirSync(join(acct, 'tmp'), { recursive: true }); // tmp/ only: open succeeds, the rename target is missing
    await new MaildirDelivery({ root }).deliver('d@x.test', '1', msg);
    expect(readdirSync(join(acct, 'new'))).toHaveLength(1);
    expect(readdirSync(join(acct, 'tmp'))).toEqual([]);
  });
});

describe('ENVID', () => {
  it('round-trips first attempts and retries, and ignores ids not of our form', () => {
    for (const q of [{ queueId: 'mf3k2xAb9', retry: false }, { queueId: 'mf3k2xAb9', retry: true }]) expect(decodeEnvid(encodeEnvid(q))).toEqual(q);
    for (const bad of [undefined, null, '', '.retry', 'a/b', 'x'.repeat(65), 'a,Q=b']) expect(decodeEnvid(bad)).toBeUndefined();
  });

  /**
   * An LMTP holder on loopback recording each transaction's ENVID; `drop(rcpts)` true makes it close
   * the connection after reading the message and before replying (a holder dying right after fsync).
   */
  async function envidSink(drop: (rcpts: string[]) => boolean = () => false) {
    const seen: Array<string | undefined> = [];
    const server = new SMTPServer({
      lmtp: true, logger: false, disabledCommands: ['STARTTLS'], hideDSN: false, disableReverseLookup: true,
      authMethods: ['PLAIN'], allowInsecureAuth: true, onAuth: (auth, _s, cb) => cb(null, { user: auth.username }),
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          seen.push((session.envelope as { dsn?: { envid?: string } }).dsn?.envid ?? undefined);
          if (drop(session.envelope.rcptTo.map((r) => r.address))) {
            for (const c of (server as unknown as { connections: Set<{ id: string; close(): void }> }).connections) if (c.id === session.id) c.close();
            return;
          }
          cb(null, session.envelope.rcptTo.map(() => '2.0.0 ok') as unknown as string);
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.server.address() as { port: number }).port;
    return { seen, port, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it('reaches the holder\'s LMTP server with MAIL FROM', async () => {
    const sink = await envidSink();
    const pool = new LmtpPool({ host: '127.0.0.1', port: sink.port, name: 'n', credentials: () => ({ user: 'u', pass: 'p' }) });
    await pool.send('s@r.test', ['a@x.test'], msg, { queueId: 'abc', retry: true });
    await pool.send('s@r.test', ['a@x.test'], msg);
    expect(sink.seen).toEqual(['abc.retry', undefined]);
    pool.close();
    await sink.close();
  });

  it('a hand-over whose connection breaks after the holder stored it is retried once, as a retry of its queue id', async () => {
    let dropped = false;
    const sink = await envidSink((rcpts) => {
      if (dropped || !rcpts.some((r) => r.startsWith('drop@'))) return false;
      dropped = true;
      return true;
    });
    const pool = new LmtpPool({ host: '127.0.0.1', port: sink.port, name: 'n', credentials: () => ({ user: 'u', pass: 'p' }), maxConnections: 1 });
    await pool.send('s@r.test', ['a@x.test'], msg, { queueId: 'first', retry: false }); // the connection is now reused
    const out = await pool.send('s@r.test', ['drop@x.test'], msg, { queueId: 'second', retry: false });
    expect(out.accepted).toEqual(['drop@x.test']);
    expect(sink.seen).toEqual(['first', 'second', 'second.retry']);
    // without a queue id there is nothing to dedupe by: the broken send fails, it is not sent twice
    dropped = false;
    const failed = await pool.send('s@r.test', ['drop@x.test'], msg).then(() => 'sent', () => 'failed');
    expect(failed).toBe('failed');
    expect(sink.seen.slice(3)).toEqual([undefined]);
    pool.close();
    await sink.close();
  });
});
