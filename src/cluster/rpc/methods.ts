/**
 * The RPC methods between nodes, each with request and response schemas validated on both sides.
 * Controller methods are answered only by the elected controller (others reply NOT_LEADER).
 */
import { z } from 'zod';

const account = z.string().min(3).max(320);
const token = z.string().regex(/^[0-9]+$/);

export const grantSchema = z.object({ account, holder: z.string(), token });
export type GrantReply = z.infer<typeof grantSchema>;

export const methods = {
  /** Controller: open `account` (or report who has it). Placement prefers `requester`. */
  open: { request: z.object({ account, requester: z.string() }), response: grantSchema },
  /** Controller: release the grant with `token` (no-op if it is already gone). */
  release: { request: z.object({ account, token }), response: z.object({ released: z.boolean() }) },
  /** Controller: resign leadership (planned failover). */
  stepDown: { request: z.object({}), response: z.object({ resigned: z.boolean(), node: z.string() }) },
  /** Peer: make this node acquire `account` through the normal lock path (used by tools and tests). */
  acquire: { request: z.object({ account }), response: grantSchema },
  /** Peer (from the controller): stop serving `account` (drain / move); answers once it has. */
  closeAccount: { request: z.object({ account, token, reason: z.string().max(200) }), response: z.object({ closed: z.boolean() }) },
  /** Controller: move `account` to node `to` (the holder closes it first); replies with the new grant. */
  move: { request: z.object({ account, to: z.string() }), response: grantSchema.extend({ from: z.string().optional() }) },
  /** Peer: retry every message in the spools this node works now, ignoring backoff. */
  flushQueue: { request: z.object({}), response: z.object({ queued: z.number().int() }) },
  /** Peer: this node's own state. */
  status: {
    request: z.object({}),
    response: z.object({
      node: z.string(),
      serving: z.boolean(),
      leading: z.boolean(),
      lease: z.string(),
      held: z.array(z.object({ account: z.string(), token })),
    }),
  },
} as const;

export type MethodName = keyof typeof methods;
export type RequestOf<M extends MethodName> = z.infer<(typeof methods)[M]['request']>;
export type ResponseOf<M extends MethodName> = z.infer<(typeof methods)[M]['response']>;

/** Error codes carried by failed RPCs. `retryable` ones are retried by clients with backoff. */
export const rpcErrorSchema = z.object({ code: z.string(), message: z.string(), retryable: z.boolean() });
export type RpcErrorBody = z.infer<typeof rpcErrorSchema>;

export class RpcError extends Error {
  constructor(readonly code: string, message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'RpcError';
  }
  toBody(): RpcErrorBody { return { code: this.code, message: this.message, retryable: this.retryable }; }
}
