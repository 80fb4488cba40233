/**
 * CRLF hygiene of stored messages. A message is *wire-clean* when every line ends in CRLF (no bare
 * LF or CR) and it ends with CRLF (or is empty): then the bytes on disk are exactly what POP3 and
 * IMAP send, and its size is its wire size (Dovecot's `,W=` virtual size equals `,S=`).
 */
export function isWireClean(data: Buffer): boolean {
  const n = data.length;
  if (n === 0) return true;
  if (n < 2 || data[n - 2] !== 13 || data[n - 1] !== 10) return false;
  // native searches, one step per line rather than per byte: it runs on every delivered message
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) if (data[i - 1] !== 13) return false;
  for (let i = data.indexOf(13); i >= 0; i = data.indexOf(13, i + 1)) if (data[i + 1] !== 10) return false;
  return true;
}
