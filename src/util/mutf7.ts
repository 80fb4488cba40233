/**
 * Modified UTF-7 for mailbox names (RFC 3501 §5.1.3; RFC 9051 §5.1.3 keeps it for clients that have
 * not enabled UTF8=ACCEPT). Printable US-ASCII (0x20–0x7E) represents itself except `&`, written
 * `&-`; every other run of UTF-16 code units becomes `&` + base64(UTF-16BE) with `,` in place of `/`,
 * no `=` padding, closed by `-`. Example from the RFC: `~peter/mail/台北/日本語` ⇄
 * `~peter/mail/&U,BTFw-/&ZeVnLIqe-`.
 *
 * Pure. encodeMutf7 is total (lone surrogates survive: they are just UTF-16 units). decodeMutf7
 * returns undefined for anything that is not the canonical encoding of some string: 8-bit or
 * control characters, an unterminated shift, bad base64, an odd byte count, a shifted run that
 * only holds printable ASCII, or two adjacent shifted runs (RFC 3501: "MUST NOT" for encoders; we
 * refuse them so that every name has exactly one wire form).
 */

const PRINTABLE_MIN = 0x20;
const PRINTABLE_MAX = 0x7e;

export function encodeMutf7(s: string): string {
  let out = '';
  let runStart = -1;
  const flush = (end: number): void => {
    if (runStart < 0) return;
    const buf = Buffer.alloc((end - runStart) * 2);
    for (let i = runStart; i < end; i++) buf.writeUInt16BE(s.charCodeAt(i), (i - runStart) * 2);
    out += '&' + buf.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    runStart = -1;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= PRINTABLE_MIN && c <= PRINTABLE_MAX) {
      flush(i);
      out += c === 0x26 ? '&-' : s[i];
    } else if (runStart < 0) {
      runStart = i;
    }
  }
  flush(s.length);
  return out;
}

const B64 = /^[A-Za-z0-9+,]+$/;

export function decodeMutf7(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < PRINTABLE_MIN || c > PRINTABLE_MAX) return undefined;
    if (c !== 0x26) {
      out += s[i];
      continue;
    }
    const end = s.indexOf('-', i + 1);
    if (end < 0) return undefined;
    const b64 = s.slice(i + 1, end);
    i = end;
    if (b64.length === 0) {
      out += '&';
      continue;
    }
    if (!B64.test(b64) || b64.length % 4 === 1) return undefined;
    const buf = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (buf.length === 0 || buf.length % 2 !== 0) return undefined;
    for (let j = 0; j < buf.length; j += 2) out += String.fromCharCode(buf.readUInt16BE(j));
  }
  // Canonical form only: catches non-zero padding bits, shifted ASCII and split runs.
  return encodeMutf7(out) === s ? out : undefined;
}
