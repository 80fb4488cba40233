/**
 * POP3 replies (RFC 1939 §3, RFC 2449 §8 extended response codes).
 *   single-line = ("+OK" / "-ERR") [SP ["[" code "]" SP] text] CRLF
 *   multi-line  = single-line *(stuffed-line CRLF) "." CRLF
 * Lines of a multi-line reply that start with "." get one more "." (byte-stuffing, §3).
 */
import { isWireClean } from '../../util/crlf.ts';
export type RespCode = 'IN-USE' | 'LOGIN-DELAY' | 'SYS/TEMP' | 'SYS/PERM' | 'AUTH';

/**
 * Every line by which a session ends the connection carries this (QUIT, autologout, too many bad
 * commands, the account closing here), so a proxy can tell the holder's goodbye from a crash.
 */
export const SIGN_OFF = 'signing off';

export function ok(text: string): Buffer {
  return Buffer.from(`+OK ${text}\r\n`, 'latin1');
}

export function err(text: string, code?: RespCode): Buffer {
  return Buffer.from(`-ERR ${code ? `[${code}] ` : ''}${text}\r\n`, 'latin1');
}

/** `+OK text`, then the lines (stuffed), then the terminating ".". */
export function multiline(text: string, lines: readonly string[]): Buffer {
  const body = lines.map((l) => `${l.startsWith('.') ? '.' : ''}${l}\r\n`).join('');
  return Buffer.from(`+OK ${text}\r\n${body}.\r\n`, 'latin1');
}

/**
 * The message as sent by RETR: bare LF and bare CR line ends become CRLF and a missing final
 * line end is added. Its length is the size LIST and STAT report (before byte-stuffing).
 */
export function wireForm(data: Buffer): Buffer {
  if (isWireClean(data)) return data;
  const text = data.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  return Buffer.from(text.length === 0 || text.endsWith('\r\n') ? text : `${text}\r\n`, 'latin1');
}

/** The size LIST / STAT report for a stored message: the length of its wire form. */
export function wireSize(data: Buffer): number {
  return wireForm(data).length;
}

/**
 * The multi-line body of RETR (`bodyLines` undefined) or TOP (headers, the blank line, then at
 * most `bodyLines` body lines): stuffed, terminated by ".\r\n".
 */
export function messageReply(text: string, data: Buffer, bodyLines?: number): Buffer {
  let wire = wireForm(data);
  if (bodyLines !== undefined) wire = truncateBody(wire, bodyLines);
  const parts: Buffer[] = [ok(text)];
  let start = 0;
  while (start < wire.length) {
    const eol = wire.indexOf('\r\n', start);
    const end = eol < 0 ? wire.length : eol + 2;
    if (wire[start] === 0x2e) parts.push(DOT);
    parts.push(wire.subarray(start, end));
    start = end;
  }
  parts.push(END);
  return Buffer.concat(parts);
}

const DOT = Buffer.from('.');
const END = Buffer.from('.\r\n');

/** Headers, the separating blank line (if any) and the first `n` body lines of a CRLF message. */
function truncateBody(wire: Buffer, n: number): Buffer {
  const sep = wire.subarray(0, 2).equals(Buffer.from('\r\n')) ? 0 : wire.indexOf('\r\n\r\n');
  if (sep < 0) return wire; // headers only
  let end = sep === 0 ? 2 : sep + 4;
  for (let i = 0; i < n && end < wire.length; i++) {
    const eol = wire.indexOf('\r\n', end);
    end = eol < 0 ? wire.length : eol + 2;
  }
  return wire.subarray(0, end);
}
