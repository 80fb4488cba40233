/** SMTP replies as errors smtp-server understands (it reads `responseCode`). */
import type { Readable } from 'node:stream';

export interface SmtpReplyError extends Error { responseCode: number }

/** An error that smtp-server sends as `<code> <enhanced> <text>`. */
export function smtpError(code: number, enhanced: string, text: string): SmtpReplyError {
  const e = new Error(`${enhanced} ${text}`) as SmtpReplyError;
  e.responseCode = code;
  return e;
}

/**
 * RFC 3463 4.3.1, "mail system full": the spool or the maildirs' disk is out of space. Temporary,
 * as Postfix answers it (`452 4.3.1 Insufficient system storage`).
 */
export const STORAGE_FULL = { code: 452, enhanced: '4.3.1', text: 'insufficient system storage, try again later' } as const;
export const storageFullError = (): SmtpReplyError => smtpError(STORAGE_FULL.code, STORAGE_FULL.enhanced, STORAGE_FULL.text);

/** Reads a whole stream into memory, failing once it passes `max` bytes (the stream is drained). */
export async function readLimited(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > max) over = true;
    else chunks.push(c as Buffer);
  }
  if (over) throw smtpError(552, '5.3.4', 'message too big');
  return Buffer.concat(chunks);
}
