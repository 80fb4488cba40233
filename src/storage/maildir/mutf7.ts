/**
 * IMAP modified UTF-7 (RFC 3501 §5.1.3), used for folder directory names on disk the way Dovecot
 * stores them by default (`.Entw&APw-rfe` for "Entwürfe"), so both servers see the same folders.
 * Printable ASCII stays as is except `&` → `&-`; other runs become `&` + base64(UTF-16BE) with `,`
 * for `/` and no padding + `-`. decode returns undefined for input that is not canonical mUTF-7.
 */
export function encodeMutf7(s: string): string {
  let out = '';
  let run = '';
  const flush = (): void => {
    if (run.length === 0) return;
    const buf = Buffer.alloc(run.length * 2);
    for (let i = 0; i < run.length; i++) buf.writeUInt16BE(run.charCodeAt(i), i * 2);
    out += '&' + buf.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    run = '';
  };
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else {
      run += ch;
    }
  }
  flush();
  return out;
}

export function decodeMutf7(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return undefined;
    if (s[i] !== '&') {
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
    if (!/^[A-Za-z0-9+,]+$/.test(b64)) return undefined;
    const buf = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (buf.length % 2 !== 0) return undefined;
    let run = '';
    for (let j = 0; j < buf.length; j += 2) run += String.fromCharCode(buf.readUInt16BE(j));
    out += run;
  }
  return encodeMutf7(out) === s ? out : undefined;
}
