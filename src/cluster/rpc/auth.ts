/**
 * Inter-node request authentication (design §5): every RPC carries
 * `x-mailcluster-auth: <unix-ms>.<nonce>.<hmac>` where hmac = HMAC-SHA256(secret,
 * method \n path \n unix-ms \n nonce \n sha256(body)). A request is accepted once, within ±30 s.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const AUTH_HEADER = 'x-mailcluster-auth';
const WINDOW_MS = 30_000;
const MAX_NONCES = 200_000;

function mac(secret: string, method: string, path: string, ts: string, nonce: string, body: string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(`${method}\n${path}\n${ts}\n${nonce}\n${bodyHash}`).digest('base64url');
}

export function signRequest(secret: string, method: string, path: string, body: string, now = Date.now()): string {
  const ts = String(now);
  const nonce = randomBytes(12).toString('base64url');
  return `${ts}.${nonce}.${mac(secret, method, path, ts, nonce, body)}`;
}

/** Checks signatures and remembers nonces (bounded) so that a captured request cannot be replayed. */
export class RequestVerifier {
  private readonly seen = new Map<string, number>();
  constructor(private readonly secret: string) {}

  /** Returns undefined when valid, else the reason for refusal. */
  verify(header: string | undefined, method: string, path: string, body: string, now = Date.now()): string | undefined {
    if (!header) return 'missing credentials';
    const [ts, nonce, given, extra] = header.split('.');
    if (!ts || !nonce || !given || extra !== undefined) return 'malformed credentials';
    const at = Number(ts);
    if (!Number.isFinite(at) || Math.abs(now - at) > WINDOW_MS) return 'stale credentials';
    const want = Buffer.from(mac(this.secret, method, path, ts, nonce, body));
    const got = Buffer.from(given);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'bad signature';
    if (this.seen.has(nonce)) return 'replayed request';
    this.remember(nonce, at, now);
    return undefined;
  }

  private remember(nonce: string, at: number, now: number): void {
    this.seen.set(nonce, at);
    if (this.seen.size <= MAX_NONCES) return;
    for (const [n, t] of this.seen) {
      if (now - t > WINDOW_MS || this.seen.size > MAX_NONCES) this.seen.delete(n);
      else break;
    }
  }
}
