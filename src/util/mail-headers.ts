/** Trace headers a mail server adds (RFC 5321 §4.4): Received at intake, Return-Path at delivery. */

/** RFC 5322 date-time in UTC, e.g. `Sun, 22 Nov 2026 18:50:00 +0000`. */
export function rfc5322Date(d = new Date()): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

export interface ReceivedInfo {
  helo: string;
  clientHostname: string;
  remoteAddress: string;
  by: string;
  protocol: 'SMTP' | 'ESMTP' | 'ESMTPS' | 'ESMTPA' | 'ESMTPSA' | 'LMTP';
  id: string;
  for?: string | undefined;
  date?: Date;
}

const clean = (s: string): string => s.replace(/[^\x21-\x7e]/g, '').slice(0, 200) || 'unknown';

export function receivedHeader(r: ReceivedInfo): string {
  const forPart = r.for ? `\r\n\tfor <${clean(r.for)}>` : '';
  return `Received: from ${clean(r.helo)} (${clean(r.clientHostname)} [${clean(r.remoteAddress)}])\r\n\tby ${clean(r.by)} (mailcluster) with ${r.protocol} id ${r.id}${forPart};\r\n\t${rfc5322Date(r.date)}\r\n`;
}

export function returnPathHeader(from: string): string {
  return `Return-Path: <${from.replace(/[\r\n<>]/g, '')}>\r\n`;
}
