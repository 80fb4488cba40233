/**
 * How a queued hand-over tells the holder its queue id over internal LMTP: the DSN envelope id
 * (RFC 3461 ENVID, which the internal LMTP server accepts): `<queueId>` on a first attempt,
 * `<queueId>.retry` when an earlier attempt's outcome is unknown, so the holder checks for a copy
 * it stored already (see QueuedDelivery). Queue ids are alphanumeric (newQueueId).
 */
import type { QueuedDelivery } from '../delivery/local.ts';

const RETRY = '.retry';

export function encodeEnvid(q: QueuedDelivery): string {
  return q.retry ? `${q.queueId}${RETRY}` : q.queueId;
}

/** The queued delivery an ENVID describes; undefined for none or one not of our form. */
export function decodeEnvid(envid: string | undefined | null): QueuedDelivery | undefined {
  if (!envid) return undefined;
  const retry = envid.endsWith(RETRY);
  const queueId = retry ? envid.slice(0, -RETRY.length) : envid;
  return /^[0-9A-Za-z]{1,64}$/.test(queueId) ? { queueId, retry } : undefined;
}
