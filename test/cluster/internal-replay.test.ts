/**
 * The internal links from the attacker's side, on a real 3-node cluster (issue 15):
 *
 * - Every internal port (RPC, LMTP, peer) of every node refuses a client without a node
 *   certificate of the cluster CA — plain TCP, TLS with no certificate, and a certificate of
 *   another CA all get no greeting — and a node that is not the one dialled (its certificate names
 *   another node) is refused by the client side.
 * - Each kind of internal credential (LMTP AUTH, IMAP and POP3 peer logins, RPC) is made exactly as
 *   a node makes it for one target (the code path: TLS hides it on the wire) and presented over a
 *   link with the issuing node's own certificate, as a thief who also holds that node's key would:
 *   accepted once, then refused when replayed to the same node, to every other node, and after the
 *   account moved. Nothing it carried is stored.
 * - A fresh credential carried over another node's certificate is refused, and the client ports
 *   refuse peer logins altogether.
 */
import { connect as connectTcp } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, HARNESS_NODE, type TestCluster } from '../harness/cluster.ts';
import { RawImap } from '../harness/imap.ts';
import { addAccounts, inbox } from '../harness/mail.ts';
import { AUTH_HEADER } from '../../src/cluster/rpc/client.ts';
import { bodyDigest, mintCredential } from '../../src/cluster/trust/credentials.ts';
import { peerCredentials } from '../../worker/lmtp/peer-auth.ts';
import { peerPassword } from '../../worker/routing/peer-login.ts';
import { NodeTls } from '../../src/cluster/pki/node-tls.ts';
import { nodePkiFiles } from '../../src/cluster/pki/node-pki.ts';
import { createClusterCa, issueNodeCert } from '../../src/cluster/pki/cluster-ca.ts';

let c: TestCluster;
let alice: string;
const NODES = ['mail-0', 'mail-1', 'mail-2'];
const INTERNAL = ['rpc', 'lmtp', 'peer'];
const raws: RawImap[] = [];
const port = (node: string, p: string): number => Number(c.node(node).env[`MAILCLUSTER_PORTS_${p.toUpperCase()}`]);
const audience = async (node: string) => ({ node, lease: await c.registration(node) });
const plain = (user: string, pass: string): string => Buffer.from(`\0${user}\0${pass}`).toString('base64');
/** A node's own certificate (the thief has it), to dial `target`. */
const as = (issuer: string, target: string, alpn?: string): ConnectionOptions => ({
  ...NodeTls.load(issuer, nodePkiFiles(c.local.nodePkiDir, issuer)).clientOptions(target),
  ...(alpn ? { ALPNProtocols: [alpn] } : {}),
});

async function openAs(issuer: string, node: string, p: string, alpn?: string): Promise<RawImap> {
  const r = await RawImap.openTls(port(node, p), as(issuer, node, alpn));
  raws.push(r);
  return r;
}
async function openPlain(node: string, p: string): Promise<RawImap> {
  const r = await RawImap.open(port(node, p));
  raws.push(r);
  return r;
}
const line = (r: RawImap): Promise<string> => r.read((b) => /\r\n$/.test(b) && !/(^|\n)\d{3}-[^\n]*\r\n$/.test(b));

/** POP3 AUTH PLAIN as the proxy sends it, over the peer port as `issuer`. */
async function pop3Auth(issuer: string, node: string, user: string, pass: string): Promise<string> {
  const r = await openAs(issuer, node, 'peer', 'pop3');
  r.send('AUTH PLAIN\r\n');
  await line(r);
  r.send(`${plain(user, pass)}\r\n`);
  return line(r);
}

/** LHLO and AUTH PLAIN on a node's LMTP port as `issuer`; returns the AUTH reply and the open session. */
async function lmtpAuth(issuer: string, node: string, user: string, pass: string): Promise<{ reply: string; r: RawImap }> {
  const r = await openAs(issuer, node, 'lmtp');
  r.send('LHLO attacker.test\r\n');
  await line(r);
  r.send(`AUTH PLAIN ${plain(user, pass)}\r\n`);
  return { reply: await line(r), r };
}

/** POST an RPC with `header` over a link with `issuer`'s certificate; resolves with the HTTP status. */
function postRpc(issuer: string, node: string, method: string, header: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ ...as(issuer, node), host: '127.0.0.1', port: port(node, 'rpc'), method: 'POST', path: `/rpc/${method}`, agent: false, headers: { [AUTH_HEADER]: header, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * What a client gets from an internal port: the first bytes the server sends (a greeting), or
 * how the connection ended before any. TLS 1.3 completes the client's side of the handshake before
 * the server checks the client's certificate, so a refusal can come after 'secureConnect'.
 */
function probe(p: number, tls: ConnectionOptions | undefined, say = ''): Promise<{ data?: string; ended?: string }> {
  return new Promise((resolve) => {
    const s = tls ? connectTls({ ...tls, port: p, host: '127.0.0.1' }) : connectTcp(p, '127.0.0.1');
    const done = (r: { data?: string; ended?: string }): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ended: 'silence' }), 3000);
    s.on(tls ? 'secureConnect' : 'connect', () => say && s.write(say));
    s.on('data', (d: Buffer) => done({ data: d.toString('latin1') }));
    s.on('error', (err) => done({ ended: err.message }));
    s.on('close', () => done({ ended: 'closed' }));
  });
}

beforeAll(async () => {
  c = await startTestCluster();
  await c.electedController();
  alice = (await addAccounts(c, 'example.test', ['alice']))[0]!;
  await c.rpc('mail-1', 'acquire', { account: alice });
}, 60_000);
afterAll(async () => {
  for (const r of raws) r.close();
  await c?.stop();
});

describe('no process without a node certificate talks to an internal port', () => {
  it('plain TCP, TLS without a certificate and a certificate of another CA get no greeting on RPC, LMTP and peer ports', async () => {
    const stranger = await issueNodeCert(await createClusterCa('attacker'), 'mail-0');
    const strangerCa = (await createClusterCa('attacker-2')).cert;
    for (const node of NODES) {
      const own = as('mail-0', node);
      for (const p of INTERNAL) {
        const where = `${node} ${p}`;
        // what a real peer gets, so the refusals below are not just a dead port
        const ok = await probe(port(node, p), { ...own, ...(p === 'peer' ? { ALPNProtocols: ['imap'] } : {}) }, p === 'rpc' ? 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' : '');
        expect(ok.data, where).toMatch(p === 'rpc' ? /^HTTP\/1\.1 / : p === 'lmtp' ? /^220 / : /^\* OK/);
        const http = p === 'rpc' ? 'POST /rpc/status HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}' : '';
        expect((await probe(port(node, p), undefined, http || 'LHLO x\r\n')).data ?? '', `${where} plain TCP`).not.toMatch(/^(220|\* OK|\+OK|HTTP)/);
        const noCert = await probe(port(node, p), { ca: own.ca, servername: node, checkServerIdentity: own.checkServerIdentity, ALPNProtocols: ['imap'] }, http);
        expect(noCert.data, `${where} without a certificate`).toBeUndefined();
        const foreign = await probe(port(node, p), { ca: own.ca, cert: stranger.cert, key: stranger.key, servername: node, checkServerIdentity: own.checkServerIdentity, ALPNProtocols: ['imap'] }, http);
        expect(foreign.data, `${where} with another CA's certificate`).toBeUndefined();
        // and a node does not talk to a server it cannot verify as the cluster CA's
        const unverified = await probe(port(node, p), { ...own, ca: strangerCa, ALPNProtocols: ['imap'] }, http);
        expect(unverified.data, `${where} server not verified`).toBeUndefined();
      }
    }
  });

  it('a client dialling mail-1 refuses mail-2 answering in its place', async () => {
    const wrongNode = await probe(port('mail-2', 'lmtp'), as('mail-0', 'mail-1'));
    expect(wrongNode.data).toBeUndefined();
    expect(wrongNode.ended).toMatch(/mail-1/);
  });
});

describe('a captured internal credential works once, at one place', () => {
  it('LMTP AUTH: replayed to the same node or any other node is 535, and the forged message is not stored', async () => {
    const creds = peerCredentials(c.local.secret, 'mail-0', await audience('mail-1'));
    const first = await lmtpAuth('mail-0', 'mail-1', creds.user, creds.pass);
    expect(first.reply).toMatch(/^235 /);
    first.r.send('QUIT\r\n');
    const before = inbox(c, alice).length;
    for (const node of NODES) {
      const { reply, r } = await lmtpAuth('mail-0', node, creds.user, creds.pass);
      expect(reply, node).toMatch(/^535 5\.7\.8 /);
      r.send('MAIL FROM:<forged-ceo@example.test>\r\n');
      expect(await line(r), node).toMatch(/^530 /);
    }
    expect(inbox(c, alice).length).toBe(before);
  });

  it('LMTP AUTH: a fresh credential of mail-0 over another node\'s certificate is 535', async () => {
    const creds = peerCredentials(c.local.secret, 'mail-0', await audience('mail-1'));
    expect((await lmtpAuth('mail-2', 'mail-1', creds.user, creds.pass)).reply).toMatch(/^535 /);
  });

  it('IMAP peer login: replayed to any node is NO, also to the account\'s next holder after a move', async () => {
    const pass = peerPassword(c.local.secret, 'mail-0', await audience('mail-1'), alice, 'IMAP');
    const first = await openAs('mail-0', 'mail-1', 'peer', 'imap');
    expect(await first.cmd('a1', `LOGIN "${alice}" "${pass}"`)).toMatch(/^a1 OK /);
    await first.cmd('a2', 'LOGOUT').catch(() => undefined);
    for (const node of NODES) {
      const r = await openAs('mail-0', node, 'peer', 'imap');
      expect(await r.cmd('b1', `LOGIN "${alice}" "${pass}"`), node).toMatch(/^b1 NO /);
    }
    // a credential never used, addressed to the old holder, is useless once the account moved
    const unused = peerPassword(c.local.secret, 'mail-0', await audience('mail-1'), alice, 'IMAP');
    const moved = await c.rpc(await c.electedController(), 'move', { account: alice, to: 'mail-2' });
    expect(moved.holder).toBe('mail-2');
    for (const p of [pass, unused]) {
      const r = await openAs('mail-0', 'mail-2', 'peer', 'imap');
      expect(await r.cmd('c1', `LOGIN "${alice}" "${p}"`)).toMatch(/^c1 NO /);
      expect(await r.cmd('c2', 'SELECT INBOX')).toMatch(/^c2 BAD /);
    }
  });

  it('IMAP peer login: a fresh one over another node\'s certificate, or on the client port, is NO', async () => {
    const holder = (await c.openKeys()).get(alice)!.holder;
    const other = NODES.find((n) => n !== holder && n !== 'mail-0')!;
    const fresh = () => audience(holder).then((to) => peerPassword(c.local.secret, 'mail-0', to, alice, 'IMAP'));
    const overOther = await openAs(other, holder, 'peer', 'imap');
    expect(await overOther.cmd('d1', `LOGIN "${alice}" "${await fresh()}"`)).toMatch(/^d1 NO /);
    const onClientPort = await openPlain(holder, 'imap');
    expect(await onClientPort.cmd('d2', `LOGIN "${alice}" "${await fresh()}"`)).toMatch(/^d2 NO /);
    // the peer port takes nothing but peer logins: a user's own password is refused there
    const userPassword = await openAs('mail-0', holder, 'peer', 'imap');
    expect(await userPassword.cmd('d3', `LOGIN "${alice}" "password-1"`)).toMatch(/^d3 NO /);
  });

  it('POP3 peer login: replayed to any node is -ERR; an IMAP credential does not open POP3', async () => {
    const holder = (await c.openKeys()).get(alice)!.holder;
    const pass = peerPassword(c.local.secret, 'mail-0', await audience(holder), alice, 'POP3');
    expect(await pop3Auth('mail-0', holder, alice, pass)).toMatch(/^\+OK/);
    for (const node of NODES) expect(await pop3Auth('mail-0', node, alice, pass), node).toMatch(/^-ERR/);
    const imapOne = peerPassword(c.local.secret, 'mail-0', await audience(holder), alice, 'IMAP');
    expect(await pop3Auth('mail-0', holder, alice, imapOne)).toMatch(/^-ERR/);
  });

  it('RPC: a captured stepDown replayed to the new controller, or anywhere, is 401 and nobody resigns', async () => {
    const ctl = await c.electedController();
    const body = '{}';
    const header = mintCredential(c.local.secret, { issuer: 'mail-0', audience: await audience(ctl), purpose: 'rpc:stepDown', subject: bodyDigest(body) });
    expect(await postRpc('mail-0', ctl, 'stepDown', header, body)).toBe(200);
    const next = await c.electedController(20_000, ctl);
    for (const node of NODES) expect(await postRpc('mail-0', node, 'stepDown', header, body), node).toBe(401);
    // the replays changed nothing: the successor still leads
    expect(await c.electedController()).toBe(next);
    expect((await c.rpc(next, 'status', {})).leading).toBe(true);
  });

  it('RPC: a credential for one method or body, or from another node than the link\'s, does not carry', async () => {
    const to = await audience('mail-2');
    const header = mintCredential(c.local.secret, { issuer: 'mail-0', audience: to, purpose: 'rpc:status', subject: bodyDigest('{}') });
    expect(await postRpc('mail-0', 'mail-2', 'acquire', header, JSON.stringify({ account: alice }))).toBe(401);
    const fresh = mintCredential(c.local.secret, { issuer: 'mail-0', audience: to, purpose: 'rpc:status', subject: bodyDigest('{}') });
    expect(await postRpc(HARNESS_NODE, 'mail-2', 'status', fresh, '{}')).toBe(401);
  });
});
