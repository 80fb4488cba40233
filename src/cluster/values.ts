/**
 * Schemas of the values stored in etcd. Everything read back from etcd is validated with these:
 * a value written by another version or by hand never becomes an unchecked object.
 */
import { z } from 'zod';
import { ROLES } from '../config/schema.ts';

export const nodeValueSchema = z.object({
  name: z.string(),
  address: z.string(),
  ports: z.record(z.string(), z.number().int()),
  role: z.enum(ROLES),
  version: z.string(),
  /** Lease id (decimal string) the node key and its grants are bound to. */
  lease: z.string(),
  started: z.number(),
  /** The node's process id and host name, for operators (`mailcluster status`); absent from older nodes. */
  pid: z.number().int().optional(),
  host: z.string().optional(),
  /** Accounts open on this node, refreshed periodically (a load hint for placement). */
  load: z.number().default(0),
  /** Host and process figures for `mailcluster status`, refreshed every few seconds. */
  stats: z
    .object({
      load1: z.number(),
      /** CPUs the node may use: its cgroup's CPU quota when it has one (may be fractional). */
      cpus: z.number(),
      rssBytes: z.number(),
      memTotalBytes: z.number(),
      memFreeBytes: z.number(),
      diskFreeBytes: z.number(),
      diskTotalBytes: z.number(),
      /** Open client sessions per protocol (smtp, submission, imap, …). */
      sessions: z.record(z.string(), z.number().int()),
      queueDepth: z.number().int(),
      at: z.number(),
    })
    .optional(),
});
export type NodeValue = z.infer<typeof nodeValueSchema>;

export const openValueSchema = z.object({
  holder: z.string(),
  since: z.number(),
  /** The controller that made the grant, and its leadership revision. */
  controller: z.string(),
  leaderRev: z.string(),
});
export type OpenValue = z.infer<typeof openValueSchema>;

export const candidateValueSchema = z.object({ node: z.string() });

export function parseJson<T>(schema: z.ZodType<T>, raw: Buffer | string | undefined | null): T | undefined {
  if (raw === undefined || raw === null) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(raw.toString()));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export const queueValueSchema = z.object({ owner: z.string(), since: z.number(), controller: z.string() });
export type QueueValue = z.infer<typeof queueValueSchema>;
