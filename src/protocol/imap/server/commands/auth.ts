/**
 * Authentication (RFC 3501 §6.2; SASL PLAIN RFC 4616; SASL-IR RFC 4959; STARTTLS RFC 3501 §6.2.1):
 *   STARTTLS
 *   LOGIN userid password
 *   AUTHENTICATE PLAIN [initial-response]      then a base64 line, or `*` to cancel
 * After the credentials check, hooks.route decides where the session runs: here (the account is
 * opened, state → authenticated), on the holder (the connection is handed to the proxy, which
 * relays the holder's tagged reply), or nowhere right now (`NO [UNAVAILABLE]`, retry later).
 * Plaintext user passwords are refused on an unencrypted connection unless allowed
 * (`NO [PRIVACYREQUIRED]`); cluster-peer tokens are one-time and always allowed.
 */
import { decodePlain } from '../../../sasl/plain.ts';
import { continuationData, taggedResponse } from '../../response.ts';
import { parseAuthenticateResponse } from '../../parser.ts';
import { capabilities } from './general.ts';
import { bad, no } from '../errors.ts';
import type { Done, ImapSession } from '../session.ts';
import { NOT_AUTHED, type CommandOf, type CommandSpec } from './spec.ts';

const ROUTE_PATIENCE_MS = 30_000;

async function login(s: ImapSession, tag: string, user: string, password: string): Promise<Done | undefined> {
  const peer = s.o.isPeerPassword?.(password) ?? false;
  if (!s.io.secure && !s.o.allowPlaintextAuth && !peer) throw no('use STARTTLS (or port 993) before sending a password', 'PRIVACYREQUIRED');
  if (s.loginFailures >= (s.o.maxLoginFailures ?? Infinity)) {
    setImmediate(() => s.bye('too many failed logins'));
    throw no('too many failed logins', 'AUTHENTICATIONFAILED');
  }
  const client = s.o.clientAddress !== undefined ? { address: s.o.clientAddress, ...(s.o.linkPeer !== undefined ? { linkPeer: s.o.linkPeer } : {}) } : undefined;
  const account = await s.o.hooks.authenticate(user, password, client).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'AUTH_THROTTLED') {
      loginFailed(s);
      throw no('too many failed logins from your address or for this account; try again later', 'UNAVAILABLE');
    }
    s.io.log('warn', { err, account: user.slice(0, 256) }, 'imap credentials not checked');
    // a client told AUTHENTICATIONFAILED asks its user for a new password: this is not that
    throw no('cannot check credentials now; please retry', 'UNAVAILABLE');
  });
  if (!account) {
    s.io.log('info', { account: user.slice(0, 256) }, 'imap login failed'); // never the password
    await new Promise((r) => setTimeout(r, 200)); // blunt password guessing a little
    loginFailed(s);
    throw no('wrong user name or password', 'AUTHENTICATIONFAILED');
  }
  // A holder that just died keeps its grant until its lease ends: keep routing until a live
  // holder answers (the login is delayed by a failover, not refused), up to ROUTE_PATIENCE_MS.
  const deadline = Date.now() + ROUTE_PATIENCE_MS;
  for (let attempt = 0; ; attempt++) {
    const route = await s.o.hooks.route(account);
    if (route.kind === 'unavailable') throw no(route.reason, 'UNAVAILABLE');
    if (route.kind === 'local') break;
    if (peer) throw no('mailbox is not served here now; please retry', 'UNAVAILABLE'); // never proxy twice
    try {
      await s.io.proxy(route, tag, account);
      return undefined; // the holder's tagged reply was relayed by the proxy
    } catch (err) {
      if ((err as { code?: string }).code !== 'HOLDER_UNREACHABLE' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** attempt)));
    }
  }
  s.authenticated(await s.o.hooks.openAccount(account));
  s.io.log('info', { account }, 'imap login');
  return { text: 'logged in', code: { code: 'CAPABILITY', capabilities: capabilities(s) } };
}

/** Counts a failed login; at the session's limit it ends with `* BYE` right after the tagged NO. */
function loginFailed(s: ImapSession): void {
  if (++s.loginFailures >= (s.o.maxLoginFailures ?? Infinity)) setImmediate(() => s.bye('too many failed logins'));
}

export const LOGIN: CommandSpec<CommandOf<'LOGIN'>> = {
  states: NOT_AUTHED,
  run: (s, cmd) => login(s, cmd.tag, cmd.userid, cmd.password),
};

/** SASL PLAIN credentials (decodePlain), or BAD when the message is malformed. */
function plain(data: Buffer): { user: string; password: string } {
  const c = decodePlain(data);
  if (!c) throw bad('malformed PLAIN credentials');
  return c;
}

export const AUTHENTICATE: CommandSpec<CommandOf<'AUTHENTICATE'>> = {
  states: NOT_AUTHED,
  async run(s, cmd) {
    if (cmd.mechanism !== 'PLAIN') throw no(`mechanism ${cmd.mechanism} is not supported`, 'CANNOT');
    if (cmd.initialResponse && cmd.initialResponse.length > 0) {
      const c = plain(cmd.initialResponse);
      return login(s, cmd.tag, c.user, c.password);
    }
    s.send(continuationData(Buffer.alloc(0))); // `+ ` and an empty challenge (RFC 4616)
    s.expectLine(cmd.tag, async (raw) => {
      const r = parseAuthenticateResponse(raw);
      if (r.cancelled) throw bad('authentication cancelled');
      const c = plain(r.data);
      return login(s, cmd.tag, c.user, c.password);
    });
    return undefined;
  },
};

export const STARTTLS: CommandSpec<CommandOf<'STARTTLS'>> = {
  states: NOT_AUTHED,
  async run(s, cmd) {
    if (!s.io.startTls || s.io.secure) throw bad('TLS is already active or not available');
    s.send(taggedResponse(cmd.tag, 'OK', 'begin TLS negotiation now'));
    await s.io.startTls();
    return undefined;
  },
};
