/**
 * Not-authenticated-state arguments and connection-level negotiation:
 *
 *   login        = "LOGIN" SP userid SP password                   ; RFC 3501 §6.2.3 (astrings)
 *   authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]  ; §6.2.2, SASL-IR RFC 4959
 *   (continuation lines: base64 CRLF, or "*" CRLF to cancel)
 *   enable       = "ENABLE" 1*(SP capability)                       ; RFC 5161 §3
 *   id           = "ID" SP ("(" [string SP nstring *(SP string SP nstring)] ")" / "NIL")  ; RFC 2971 §3.1
 *
 * The ID limit (30 pairs, RFC 2971 §3.3) is enforced so a client cannot make us hold more.
 */
import { SP } from '../chars.ts';
import { Scanner } from '../lexer.ts';
import type { RawCommand } from '../reader.ts';
import type { AuthenticateCommand, EnableCommand, IdCommand, IdParam, LoginCommand } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseKeyword, type ParseContext } from './common.ts';

export const MAX_ID_PAIRS = 30;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const isBase64Char = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x3d;

export function parseLogin(s: Scanner, ctx: ParseContext): LoginCommand {
  s.sp();
  const userid = s.astring();
  s.sp();
  const password = s.astring();
  return { tag: ctx.tag, name: 'LOGIN', userid, password };
}

export function writeLogin(w: WireWriter, c: LoginCommand): void {
  w.sp().astring(c.userid).sp().astring(c.password);
}

function decodeBase64(s: Scanner, text: string): Buffer {
  if (text === '=') return Buffer.alloc(0);
  if (text.length === 0 || !BASE64.test(text)) s.fail('Invalid base64');
  return Buffer.from(text, 'base64');
}

export function parseAuthenticate(s: Scanner, ctx: ParseContext): AuthenticateCommand {
  s.sp();
  const mechanism = parseKeyword(s, 'SASL mechanism');
  const cmd: AuthenticateCommand = { tag: ctx.tag, name: 'AUTHENTICATE', mechanism };
  if (s.accept(SP)) cmd.initialResponse = decodeBase64(s, s.takeWhile(isBase64Char));
  return cmd;
}

export function writeAuthenticate(w: WireWriter, c: AuthenticateCommand): void {
  w.sp().atom(c.mechanism);
  if (c.initialResponse !== undefined) w.sp().raw(c.initialResponse.length === 0 ? '=' : c.initialResponse.toString('base64'));
}

export type AuthenticateResponse = { cancelled: true } | { cancelled: false; data: Buffer };

/**
 * A client line during AUTHENTICATE (RFC 3501 §6.2.2): base64 data (an empty line is an empty
 * response) or `*` to cancel. Throws ImapParseError (tag undefined; the caller knows the tag).
 */
export function parseAuthenticateResponse(raw: RawCommand): AuthenticateResponse {
  const s: Scanner = new Scanner(raw);
  if (s.accept(0x2a)) {
    s.expectEnd();
    return { cancelled: true };
  }
  const text = s.takeWhile(isBase64Char);
  s.expectEnd();
  return { cancelled: false, data: text.length === 0 ? Buffer.alloc(0) : decodeBase64(s, text) };
}

export function parseEnable(s: Scanner, ctx: ParseContext): EnableCommand {
  const capabilities: string[] = [];
  do {
    s.sp();
    capabilities.push(parseKeyword(s, 'capability'));
  } while (!s.atEnd());
  return { tag: ctx.tag, name: 'ENABLE', capabilities };
}

export function writeEnable(w: WireWriter, c: EnableCommand): void {
  if (c.capabilities.length === 0) throw new RangeError('ENABLE needs a capability');
  for (const cap of c.capabilities) w.sp().atom(cap);
}

export function parseId(s: Scanner, ctx: ParseContext): IdCommand {
  s.sp();
  if (s.peek() !== 0x28) {
    if (s.atom('( or NIL').toUpperCase() !== 'NIL') s.fail('Expected ( or NIL');
    return { tag: ctx.tag, name: 'ID', params: null };
  }
  const params = s.list((): IdParam => {
    const key = s.string();
    s.sp();
    return { key, value: s.nstring() };
  }, true);
  if (params.length > MAX_ID_PAIRS) s.fail('Too many ID parameters');
  return { tag: ctx.tag, name: 'ID', params };
}

export function writeId(w: WireWriter, c: IdCommand): void {
  w.sp();
  if (c.params === null) w.raw('NIL');
  else w.list(c.params, (p) => w.string(p.key).sp().nstring(p.value));
}
