/**
 * TLS at the edge, on a real node process with its certificate in files: STARTTLS on port 25 is
 * advertised in EHLO and presents the configured certificate; every client listener (25, 587,
 * 465, 143, 993, 110, 995) refuses a TLS 1.1 client; a certificate replaced on disk is served by
 * every listener within seconds, without a restart; a broken replacement is logged and the
 * working certificate kept.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';

let c: TestCluster;
const dir = mkdtempSync(join(tmpdir(), 'mailcluster-certs-'));
const certFile = join(dir, 'tls.crt');
const keyFile = join(dir, 'tls.key');

interface Pair { cert: string; key: string; fingerprint: string }
async function makePair(cn: string): Promise<Pair> {
  const p = await generate([{ name: 'commonName', value: cn }], { keyType: 'ec', curve: 'P-256' });
  const der = Buffer.from(p.cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const fingerprint = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
  return { cert: p.cert, key: p.private, fingerprint };
}
/** Replaces both files the way an operator's tooling does: write beside, then rename over. */
function install(p: { cert: string; key: string }): void {
  writeFileSync(`${certFile}.new`, p.cert);
  writeFileSync(`${keyFile}.new`, p.key);
  renameSync(`${keyFile}.new`, keyFile);
  renameSync(`${certFile}.new`, certFile);
}

const port = (name: string): number => Number(c.node('mail-0').env[`MAILCLUSTER_PORTS_${name}`]);

/** Reads lines until one matches `done` (a final reply line); resolves with everything read. */
function readUntil(s: Socket, done: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      if (done.test(buf)) {
        s.off('data', onData);
        s.off('error', reject);
        resolve(buf);
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

/** The plaintext dialogue up to "go ahead with TLS" on each STARTTLS-style port. */
const UPGRADES: Record<string, { port: string; steps: Array<[string | undefined, RegExp]> }> = {
  'smtp 25 STARTTLS': { port: 'SMTP', steps: [[undefined, /^220 .*\r\n/m], ['EHLO client.test\r\n', /^250 .*\r\n/m], ['STARTTLS\r\n', /^220 .*\r\n/m]] },
  'submission 587 STARTTLS': { port: 'SUBMISSION', steps: [[undefined, /^220 .*\r\n/m], ['EHLO client.test\r\n', /^250 .*\r\n/m], ['STARTTLS\r\n', /^220 .*\r\n/m]] },
  'imap 143 STARTTLS': { port: 'IMAP', steps: [[undefined, /^\* OK .*\r\n/], ['s1 STARTTLS\r\n', /^s1 OK .*\r\n/m]] },
  'pop3 110 STLS': { port: 'POP3', steps: [[undefined, /^\+OK .*\r\n/], ['STLS\r\n', /\+OK .*\r\n[^]*$/]] },
};
const IMPLICIT: Record<string, string> = { 'submissions 465': 'SUBMISSIONS', 'imaps 993': 'IMAPS', 'pop3s 995': 'POP3S' };
const ALL = [...Object.keys(UPGRADES), ...Object.keys(IMPLICIT)];

function tlsOver(o: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = connectTls({ rejectUnauthorized: false, servername: 'mail.example.test', ...o });
    t.once('secureConnect', () => resolve(t));
    t.once('error', reject);
  });
}

/** Completes a TLS handshake on the named listener; `extra` adds client options (versions). */
async function handshake(listener: string, extra: ConnectionOptions = {}): Promise<TLSSocket> {
  const implicit = IMPLICIT[listener];
  if (implicit) return tlsOver({ host: '127.0.0.1', port: port(implicit), ...extra });
  const u = UPGRADES[listener]!;
  const s = connectTcp(port(u.port), '127.0.0.1');
  try {
    for (const [send, expect] of u.steps) {
      const reply = readUntil(s, expect);
      if (send) s.write(send);
      await reply;
    }
    return await tlsOver({ socket: s, ...extra });
  } catch (err) {
    s.destroy();
    throw err;
  }
}

async function fingerprint(listener: string): Promise<string> {
  const t = await handshake(listener);
  const fp = t.getPeerCertificate().fingerprint256;
  t.destroy();
  return fp;
}

let first: Pair;

beforeAll(async () => {
  first = await makePair('first.example.test');
  install(first);
  c = await startTestCluster({ nodes: 1, env: { MAILCLUSTER_TLS_CERT_FILE: certFile, MAILCLUSTER_TLS_KEY_FILE: keyFile } });
}, 60_000);
afterAll(async () => {
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS on the client listeners', () => {
  it('port 25 advertises STARTTLS in EHLO and upgrades with the configured certificate', async () => {
    const s = connectTcp(port('SMTP'), '127.0.0.1');
    await readUntil(s, /^220 .*\r\n/m);
    const ehlo = readUntil(s, /^250 .*\r\n/m);
    s.write('EHLO client.test\r\n');
    expect(await ehlo).toMatch(/^250-STARTTLS\r\n/m);
    s.destroy();
    expect(await fingerprint('smtp 25 STARTTLS')).toBe(first.fingerprint);
  });

  it('every listener serves the configured certificate', async () => {
    for (const l of ALL) expect([l, await fingerprint(l)]).toEqual([l, first.fingerprint]);
  });

  it('every listener refuses TLS 1.1 with a protocol-version alert; TLS 1.2 is accepted', async () => {
    // SECLEVEL=0 lets this client really offer TLS 1.0/1.1 (OpenSSL 3 refuses to by default), so
    // the refusal seen is the server's alert, not the client declining to try.
    const old: ConnectionOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' };
    for (const l of ALL) {
      const err = await handshake(l, old).then((t) => (t.destroy(), t.getProtocol()), (e: NodeJS.ErrnoException) => e.code);
      expect([l, err]).toEqual([l, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION']);
      const t = await handshake(l, { maxVersion: 'TLSv1.2' });
      expect([l, t.getProtocol()]).toEqual([l, 'TLSv1.2']);
      t.destroy();
    }
  });

  it('clients that fail the handshake (not TLS at all, or TLS 1.1) do not end the node', async () => {
    const pid = c.node('mail-0').pid;
    for (const name of ['SUBMISSIONS', 'IMAPS', 'POP3S']) {
      for (let i = 0; i < 3; i++) {
        const s = connectTcp(port(name), '127.0.0.1');
        s.on('error', () => undefined);
        s.write('GARBAGE, NOT A TLS HELLO\r\n');
        await new Promise((r) => s.once('close', r));
      }
    }
    for (const l of ['smtp 25 STARTTLS', 'submission 587 STARTTLS', 'submissions 465']) {
      for (let i = 0; i < 3; i++) await handshake(l, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }).then((t) => t.destroy(), () => undefined);
    }
    expect(c.node('mail-0').running).toBe(true);
    expect(c.node('mail-0').pid).toBe(pid);
    for (const l of ALL) expect([l, await fingerprint(l)]).toEqual([l, first.fingerprint]);
  });

  it('a replaced certificate is served by every listener within seconds, without a restart; a broken one is refused and the working one kept', async () => {
    const pid = c.node('mail-0').pid;
    const second = await makePair('second.example.test');
    const since = Date.now();
    install(second);
    // the first handshake that shows the new certificate, on port 25
    let seenAfterMs = -1;
    while (Date.now() - since < 8000) {
      if ((await fingerprint('smtp 25 STARTTLS')) === second.fingerprint) {
        seenAfterMs = Date.now() - since;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`new certificate served on port 25 after ${seenAfterMs} ms`);
    expect(seenAfterMs).toBeGreaterThanOrEqual(0);
    for (const l of ALL) expect([l, await fingerprint(l)]).toEqual([l, second.fingerprint]);
    expect(c.node('mail-0').pid).toBe(pid);

    // a key that does not match the certificate: logged, and the second pair still served
    const third = await makePair('third.example.test');
    const node = c.node('mail-0');
    const logged = node.waitForLog((l) => l.msg === 'tls reload failed; keeping the current certificate', 8000, node.logs.length);
    install({ cert: third.cert, key: second.key });
    await logged;
    for (const l of ALL) expect([l, await fingerprint(l)]).toEqual([l, second.fingerprint]);
    // and the next good pair is taken
    const reloaded = node.waitForLog((l) => l.msg === 'tls certificate reloaded', 8000, node.logs.length);
    install(third);
    await reloaded;
    const until = Date.now() + 8000;
    while ((await fingerprint('imaps 993')) !== third.fingerprint && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    for (const l of ALL) expect([l, await fingerprint(l)]).toEqual([l, third.fingerprint]);
  }, 60_000);
});
