/**
 * Internal credentials from the attacker's side, on a real 3-node cluster (issue 15): each kind
 * — LMTP AUTH, IMAP and POP3 peer logins, RPC — is made exactly as a node makes it for one target
 * node (the code path; TLS hides it on the wire), used once there (accepted: it is a real
 * credential), then replayed to the same node, to every other node, and after the account moved.
 * Every replay is refused and nothing it carried is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../harness/cluster.ts';
import { RawImap } from '../harness/imap.ts';
import { addAccounts, inbox } from '../harness/mail.ts';
import { AUTH_HEADER } from '../../src/cluster/rpc/client.ts';
import { bodyDigest, mintCredential } from '../../src/cluster/trust/credentials.ts';
import { peerCredentials } from '../../worker/lmtp/peer-auth.ts';
import { peerPassword } from '../../worker/routing/peer-login.ts';

let c: TestCluster;
let alice: string;
const NODES = ['mail-0', 'mail-1', 'mail-2'];
const raws: RawImap[] = [];
const port = (node: string, p: string): number => Number(c.node(node).env[`MAILCLUSTER_PORTS_${p.toUpperCase()}`]);
const audience = async (node: string) => ({ node, lease: await c.registration(node) });
const plain = (user: string, pass: string): string => Buffer.from(`\0${user}\0${pass}`).toString('base64');

async function open(node: string, p: string): Promise<RawImap> {
  const r = await RawImap.open(port(node, p));
  raws.push(r);
  return r;
}
/** POP3 AUTH PLAIN as the proxy sends it: the response on a continuation line (no 255-octet command limit). */
async function pop3Auth(node: string, user: string, pass: string): Promise<string> {
  const r = await open(node, 'pop3');
  r.send('AUTH PLAIN\r\n');
  await line(r);
  r.send(`${plain(user, pass)}\r\n`);
  return line(r);
}
const line = (r: RawImap): Promise<string> => r.read((b) => /\r\n$/.test(b) && !/(^|\n)\d{3}-[^\n]*\r\n$/.test(b));

/** LHLO and AUTH PLAIN on a node's LMTP port; returns the AUTH reply and the open session. */
async function lmtpAuth(node: string, user: string, pass: string): Promise<{ reply: string; r: RawImap }> {
  const r = await open(node, 'lmtp');
  r.send('LHLO attacker.test\r\n');
  await line(r);
  r.send(`AUTH PLAIN ${plain(user, pass)}\r\n`);
  return { reply: await line(r), r };
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

describe('a captured internal credential works once, at one place', () => {
  it('LMTP AUTH: replayed to the same node or any other node is 535, and the forged message is not stored', async () => {
    const creds = peerCredentials(c.local.secret, 'mail-0', await audience('mail-1'));
    const first = await lmtpAuth('mail-1', creds.user, creds.pass);
    expect(first.reply).toMatch(/^235 /);
    first.r.send('QUIT\r\n');
    const before = inbox(c, alice).length;
    for (const node of NODES) {
      const { reply, r } = await lmtpAuth(node, creds.user, creds.pass);
      expect(reply, node).toMatch(/^535 5\.7\.8 /);
      r.send('MAIL FROM:<forged-ceo@example.test>\r\n');
      expect(await line(r), node).toMatch(/^530 /);
    }
    expect(inbox(c, alice).length).toBe(before);
  });

  it('IMAP peer login: replayed to any node is NO, also to the account\'s next holder after a move', async () => {
    const pass = peerPassword(c.local.secret, 'mail-0', await audience('mail-1'), alice, 'IMAP');
    const first = await open('mail-1', 'imap');
    expect(await first.cmd('a1', `LOGIN "${alice}" "${pass}"`)).toMatch(/^a1 OK /);
    await first.cmd('a2', 'LOGOUT').catch(() => undefined);
    for (const node of NODES) {
      const r = await open(node, 'imap');
      expect(await r.cmd('b1', `LOGIN "${alice}" "${pass}"`), node).toMatch(/^b1 NO /);
    }
    // a credential never used, addressed to the old holder, is useless once the account moved
    const unused = peerPassword(c.local.secret, 'mail-0', await audience('mail-1'), alice, 'IMAP');
    const moved = await c.rpc(await c.electedController(), 'move', { account: alice, to: 'mail-2' });
    expect(moved.holder).toBe('mail-2');
    for (const p of [pass, unused]) {
      const r = await open('mail-2', 'imap');
      expect(await r.cmd('c1', `LOGIN "${alice}" "${p}"`)).toMatch(/^c1 NO /);
      expect(await r.cmd('c2', 'SELECT INBOX')).toMatch(/^c2 BAD /);
    }
  });

  it('POP3 peer login: replayed to any node is -ERR; an IMAP credential does not open POP3', async () => {
    const holder = (await c.openKeys()).get(alice)!.holder;
    const pass = peerPassword(c.local.secret, 'mail-0', await audience(holder), alice, 'POP3');
    expect(await pop3Auth(holder, alice, pass)).toMatch(/^\+OK/);
    for (const node of NODES) expect(await pop3Auth(node, alice, pass), node).toMatch(/^-ERR/);
    const imapOne = peerPassword(c.local.secret, 'mail-0', await audience(holder), alice, 'IMAP');
    expect(await pop3Auth(holder, alice, imapOne)).toMatch(/^-ERR/);
  });

  it('RPC: a captured stepDown replayed to the new controller, or anywhere, is 401 and nobody resigns', async () => {
    const ctl = await c.electedController();
    const body = '{}';
    const header = mintCredential(c.local.secret, { issuer: 'mail-0', audience: await audience(ctl), purpose: 'rpc:stepDown', subject: bodyDigest(body) });
    const post = (node: string) => fetch(`http://127.0.0.1:${port(node, 'rpc')}/rpc/stepDown`, { method: 'POST', headers: { [AUTH_HEADER]: header, 'content-type': 'application/json' }, body });
    expect((await post(ctl)).status).toBe(200);
    const next = await c.electedController(20_000, ctl);
    for (const node of NODES) expect((await post(node)).status, node).toBe(401);
    // the replays changed nothing: the successor still leads
    expect(await c.electedController()).toBe(next);
    expect((await c.rpc(next, 'status', {})).leading).toBe(true);
  });

  it('RPC: a credential for one method or body does not carry another', async () => {
    const to = await audience('mail-2');
    const header = mintCredential(c.local.secret, { issuer: 'mail-0', audience: to, purpose: 'rpc:status', subject: bodyDigest('{}') });
    const body = JSON.stringify({ account: alice });
    const res = await fetch(`http://127.0.0.1:${port('mail-2', 'rpc')}/rpc/acquire`, { method: 'POST', headers: { [AUTH_HEADER]: header }, body });
    expect(res.status).toBe(401);
  });
});
