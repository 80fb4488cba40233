/**
 * Delivery Status Notifications (RFC 3464, RFC 3461 §6): a multipart/report message with a human
 * part, a message/delivery-status part (one per-recipient block per failed recipient) and the
 * original message's header (text/rfc822-headers). Sent with the null reverse-path `<>`, so a
 * bounce never bounces.
 */
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../util/mail-headers.ts';

export interface FailedRecipient {
  address: string;
  /** The SMTP reply that made it final, e.g. `550 5.1.1 no such user`. */
  reply: string;
}

export interface DsnInput {
  reportingMta: string;
  /** The original envelope sender (the bounce's recipient). */
  to: string;
  queueId: string;
  arrival: Date;
  failed: FailedRecipient[];
  original: Buffer;
}

function statusOf(reply: string): string {
  const m = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  if (m) return m[1]!;
  return reply.startsWith('4') ? '4.0.0' : '5.0.0';
}

function originalHeader(original: Buffer): string {
  const text = original.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n/g, '\r\n');
}

export function buildDsn(d: DsnInput): Buffer {
  const boundary = `dsn-${randomBytes(8).toString('hex')}`;
  const human = [
    'This is the mail system at ' + d.reportingMta + '.',
    '',
    'Your message could not be delivered to the following recipients:',
    '',
    ...d.failed.map((f) => `  <${f.address}>: ${f.reply}`),
  ].join('\r\n');
  const perRecipient = d.failed
    .map((f) => [`Final-Recipient: rfc822; ${f.address}`, 'Action: failed', `Status: ${statusOf(f.reply)}`, `Diagnostic-Code: smtp; ${f.reply.replace(/\r?\n/g, ' ')}`].join('\r\n'))
    .join('\r\n\r\n');
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${d.reportingMta}>`,
    `To: <${d.to}>`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${rfc5322Date()}`,
    `Message-ID: <${d.queueId}.${randomBytes(4).toString('hex')}@${d.reportingMta}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    human,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${d.reportingMta}`,
    `X-Mailcluster-Queue-ID: ${d.queueId}`,
    `Arrival-Date: ${rfc5322Date(d.arrival)}`,
    '',
    perRecipient,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    originalHeader(d.original),
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}
