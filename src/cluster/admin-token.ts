/**
 * The admin API's bearer token: `admin.token` when set, else derived from the cluster secret
 * (HMAC-SHA256 with a fixed label), so that anything holding the secret can reach the API and a
 * leaked admin token does not reveal the secret. Comparison is constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/schema.ts';

export function adminToken<C extends { admin: { token: string }; cluster: { secret: string } }>(config: C): string {
  if (config.admin.token) return config.admin.token;
  if (!config.cluster.secret) throw new Error('no admin token: set admin.token (MAILCLUSTER_ADMIN_TOKEN) or cluster.secret');
  return createHmac('sha256', config.cluster.secret).update('mailcluster admin token v1').digest('base64url');
}

export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
