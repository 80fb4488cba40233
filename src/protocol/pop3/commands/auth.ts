/**
 * Logging in (RFC 1939 §7 USER/PASS; RFC 5034 AUTH with SASL PLAIN, RFC 4616), AUTHORIZATION state:
 *   USER name            +OK, remembered for PASS
 *   PASS string          the rest of the line is the password
 *   AUTH                 multi-line list of mechanisms (common extension)
 *   AUTH PLAIN [ir]      without an initial response: `+ ` then a base64 line, `*` cancels;
 *                        "=" is an empty initial response (RFC 5034 §4)
 * After the credentials check, hooks.route decides where the session runs: here (the maildrop
 * snapshot is taken, state → TRANSACTION), on the holder (the connection is handed to the proxy,
 * which relays the holder's `+OK`), or nowhere right now (`-ERR [SYS/TEMP]`, retry later). A
 * holder that just died keeps its grant until its lease ends: routing is retried until a live
 * holder answers, so a login during a failover is delayed, not refused.
 * User passwords on an unencrypted connection are refused unless allowed (`-ERR [AUTH]`, USER
 * already, so the password is not sent); cluster-peer tokens (one-time) are always allowed.
 */
import { decodeBase64, decodePlain } from '../../sasl/plain.ts';
import { multiline, ok } from '../response.ts';
import { badCommand, refuse } from '../errors.ts';
import type { Pop3Session } from '../session.ts';
import { passwordsAllowed } from './general.ts';
import { AUTHORIZATION, type CommandSpec } from './spec.ts';

const ROUTE_PATIENCE_MS = 30_000;
/** RFC 5034 §4: responses to AUTH challenges are not limited to 255 octets. */
const MAX_SASL_LINE = 8192;
const PLAINTEXT_REFUSED = 'plaintext authentication disallowed on non-secure connections; use STLS (or port 995)';

async function login(s: Pop3Session, user: string, password: string): Promise<Buffer | undefined> {
  const peer = s.o.isPeerPassword?.(password) ?? false;
  if (!passwordsAllowed(s) && !peer) throw refuse(PLAINTEXT_REFUSED, 'AUTH');
  const client = s.o.clientAddress !== undefined ? { address: s.o.clientAddress, ...(s.o.linkPeer !== undefined ? { linkPeer: s.o.linkPeer } : {}) } : undefined;
  const account = await s.o.hooks.authenticate(user, password, client).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'AUTH_THROTTLED') {
      s.state = { kind: 'authorization' };
      loginFailed(s);
      throw refuse('too many failed logins from your address or for this account; try again later', 'SYS/TEMP');
    }
    s.io.log('warn', { err, account: user.slice(0, 256) }, 'pop3 credentials not checked');
    s.state = { kind: 'authorization' };
    // RFC 3206: a temporary system problem, not wrong credentials (which clients ask the user about)
    throw refuse('cannot check credentials now; please retry', 'SYS/TEMP');
  });
  if (!account) {
    s.io.log('info', { account: user.slice(0, 256) }, 'pop3 login failed'); // never the password
    s.state = { kind: 'authorization' };
    await new Promise((r) => setTimeout(r, 200)); // blunt password guessing a little
    s.countBad();
    loginFailed(s);
    throw refuse('wrong user name or password', 'AUTH'); // RFC 3206 §6: we advertise AUTH-RESP-CODE
  }
  const deadline = Date.now() + ROUTE_PATIENCE_MS;
  for (let attempt = 0; ; attempt++) {
    const route = await s.o.hooks.route(account);
    if (route.kind === 'unavailable') throw refuse(route.reason, 'SYS/TEMP');
    if (route.kind === 'local') break;
    if (peer) throw refuse('mailbox is not served here now; please retry', 'SYS/TEMP'); // never proxy twice
    try {
      await s.io.proxy(route, account);
      return undefined; // the holder's +OK was relayed by the proxy
    } catch (e) {
      if ((e as { code?: string }).code !== 'HOLDER_UNREACHABLE' || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** attempt)));
    }
  }
  const drop = await s.o.hooks.openMaildrop(account);
  if (s.state.kind === 'closed') {
    await drop.close(); // the connection went away while the maildrop was opening
    return undefined;
  }
  s.enterTransaction(drop);
  s.io.log('info', { account }, 'pop3 login');
  return ok(`maildrop has ${drop.messages.length} messages (${drop.messages.reduce((sum, m) => sum + m.size, 0)} octets)`);
}

/** Counts a failed login; at the session's limit it signs off right after this command's `-ERR`. */
function loginFailed(s: Pop3Session): void {
  if (++s.loginFailures >= (s.o.maxLoginFailures ?? Infinity)) s.terminate('too many failed logins', 'AUTH');
}

export const USER: CommandSpec = {
  states: AUTHORIZATION,
  args: [1, 1],
  async run(s, cmd) {
    if (!passwordsAllowed(s)) throw refuse(PLAINTEXT_REFUSED, 'AUTH');
    s.state = { kind: 'authorization', user: cmd.args[0]! };
    return ok('send PASS');
  },
};

export const PASS: CommandSpec = {
  states: AUTHORIZATION,
  args: [1, Infinity],
  async run(s, cmd) {
    const user = s.state.kind === 'authorization' ? s.state.user : undefined;
    if (user === undefined) throw badCommand('give USER first');
    s.state = { kind: 'authorization' };
    return login(s, user, cmd.rest);
  },
};

function plainLogin(s: Pop3Session, base64: string): Promise<Buffer | undefined> {
  const raw = base64 === '=' ? Buffer.alloc(0) : decodeBase64(base64);
  const creds = raw && decodePlain(raw);
  if (!creds) throw badCommand('malformed PLAIN credentials');
  return login(s, creds.user, creds.password);
}

export const AUTH: CommandSpec = {
  states: AUTHORIZATION,
  args: [0, 2],
  async run(s, cmd) {
    s.state = { kind: 'authorization' };
    if (cmd.args.length === 0) return multiline('SASL mechanisms follow', ['PLAIN']);
    if (cmd.args[0]!.toUpperCase() !== 'PLAIN') throw refuse(`mechanism ${cmd.args[0]} is not supported`);
    if (cmd.args[1] !== undefined) return plainLogin(s, cmd.args[1]);
    s.expectLine(MAX_SASL_LINE, async (line) => {
      if (line === '*') throw refuse('authentication cancelled');
      return plainLogin(s, line);
    });
    s.send(Buffer.from('+ \r\n'));
    return undefined;
  },
};
