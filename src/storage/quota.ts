/**
 * Quota decisions (RFC 9208 §5: STORAGE in KiB on the wire, MESSAGE in messages) over the usage an
 * AccountStore reports and limits the caller gets from the account directory. Pure.
 */
import type { QuotaUsage } from './types.ts';

/** Limits in bytes and messages; undefined or 0 means no limit for that resource. */
export interface QuotaLimit {
  readonly bytes?: number;
  readonly messages?: number;
}

/**
 * The resource that adding `adding` to `usage` would take past `limit` (RFC 9208 §4.1: an APPEND,
 * COPY or delivery that would exceed a limit fails with OVERQUOTA), or undefined when it fits.
 * Being exactly at the limit is allowed.
 */
export function quotaExceeded(usage: QuotaUsage, limit: QuotaLimit, adding: QuotaUsage = { bytes: 0, messages: 0 }): 'STORAGE' | 'MESSAGE' | undefined {
  if (limit.bytes && usage.bytes + adding.bytes > limit.bytes) return 'STORAGE';
  if (limit.messages && usage.messages + adding.messages > limit.messages) return 'MESSAGE';
  return undefined;
}

/** RFC 9208 §5.1: STORAGE usage and limit are sent in units of 1024 octets, rounded up. */
export function storageKiB(bytes: number): number {
  return Math.ceil(bytes / 1024);
}
