/**
 * The DATA step shared by inbound SMTP and submission: stream the message (after its Received
 * header) into the spool, fsynced with its envelope, and only then answer 250. A message over the
 * size limit is removed before 552 is sent, so a refused message is never delivered.
 */
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../src/log/logger.ts';
import { parseAccount } from '../../src/util/account.ts';
import { receivedHeader, type ReceivedInfo } from '../../src/util/mail-headers.ts';
import { newEnvelope, newQueueId, type Envelope, type Spool } from '../../src/queue/spool.ts';
import { Readable } from 'node:stream';
import { readLimited, smtpError, storageFullError } from './errors.ts';
import { isDiskFull } from '../../src/util/errno.ts';

export interface SpoolDataOptions {
  hostname: string;
  spool: Spool;
  maxMessageBytes: number;
  log: Logger;
  onQueued: (env: Envelope) => void;
  /**
   * Direct delivery when every recipient's holder is known: the message goes into the maildirs
   * (here, or through the holder over LMTP) before 250, with no spool on this node, stored under
   * `queueId`. Returns the recipients that still need the spool (any failure falls back to the
   * queue, which retries or bounces; its first try there counts as a retry, since the direct
   * attempt's outcome may be unknown), or, when every recipient was refused permanently, the
   * refusal to answer DATA with.
   */
  direct?: { eligible: (rcpts: string[]) => boolean; deliver: (from: string, rcpts: string[], message: Buffer, queueId: string) => Promise<{ pending: string[]; refusal?: string }> };
}

export function spoolData(
  o: SpoolDataOptions,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  kind: { source: Envelope['source']; protocol: ReceivedInfo['protocol']; authenticatedAs?: string },
  cb: (err?: Error | null, message?: string) => void,
): void {
  const id = newQueueId();
  const rcpts = session.envelope.rcptTo.map((r) => parseAccount(r.address).address);
  const header = receivedHeader({
    helo: session.hostNameAppearsAs,
    clientHostname: session.clientHostname,
    remoteAddress: session.remoteAddress,
    by: o.hostname,
    protocol: kind.protocol,
    id,
    for: rcpts.length === 1 ? rcpts[0] : undefined,
  });
  const tooBig = (): void => cb(smtpError(552, '5.3.4', 'message too big'));
  const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  if (o.direct && o.direct.eligible(rcpts)) {
    void deliverDirect(o, stream, id, header, from, rcpts, kind, cb);
    return;
  }
  o.spool
    .accept(
      id,
      header,
      stream,
      newEnvelope(from, rcpts, kind.source, kind.authenticatedAs),
      o.maxMessageBytes,
    )
    .then(async (env) => {
      if (stream.sizeExceeded) {
        await o.spool.finish(env.id);
        return tooBig();
      }
      o.onQueued(env);
      cb(null, `2.0.0 Ok: queued as ${id}`);
    })
    .catch((err: unknown) => {
      if (stream.sizeExceeded || (err as Error).message === 'message too big') return tooBig();
      o.log.error({ err }, 'spooling failed');
      cb(isDiskFull(err) ? storageFullError() : smtpError(451, '4.3.0', 'could not queue the message, try again later'));
    });
}

async function deliverDirect(
  o: SpoolDataOptions,
  stream: SMTPServerDataStream,
  id: string,
  header: string,
  from: string,
  rcpts: string[],
  kind: { source: Envelope['source']; authenticatedAs?: string },
  cb: (err?: Error | null, message?: string) => void,
): Promise<void> {
  let message: Buffer;
  try {
    message = Buffer.concat([Buffer.from(header), await readLimited(stream, o.maxMessageBytes)]);
  } catch (err) {
    return cb(err as Error);
  }
  if (stream.sizeExceeded) return cb(smtpError(552, '5.3.4', 'message too big'));
  try {
    const { pending, refusal } = await o.direct!.deliver(from, rcpts, message, id);
    const m = refusal ? /^(5\d\d) (5\.\d{1,3}\.\d{1,3}) (.*)$/.exec(refusal) : undefined;
    if (m) return cb(smtpError(Number(m[1]), m[2]!, m[3]!));
    if (pending.length > 0) {
      // attempted once already (directly): the queue delivers it as a retry (QueuedDelivery)
      const env = await o.spool.accept(id, '', Readable.from([message]), { ...newEnvelope(from, pending, kind.source, kind.authenticatedAs), attempts: 1 }, Number.MAX_SAFE_INTEGER);
      o.onQueued(env);
    }
    cb(null, `2.0.0 Ok: ${pending.length ? 'queued' : 'delivered'} as ${id}`);
  } catch (err) {
    o.log.error({ err }, 'direct delivery failed');
    cb(isDiskFull(err) ? storageFullError() : smtpError(451, '4.3.0', 'could not store the message, try again later'));
  }
}
