/**
 * The admin API's answers, as schemas both sides use: the node builds its replies with these
 * types, and the CLI validates every reply with them before it prints anything, so a node of
 * another version (or anything else answering on the admin port) gives a clear error instead
 * of a half-printed table. Adding an optional field is compatible both ways; renaming or
 * removing one is a breaking change.
 */
import { z } from 'zod';
import { envelopeSchema } from '../queue/spool.ts';

export const nodeRowSchema = z.object({
  name: z.string(),
  address: z.string(),
  /** The node's process id and the machine (or pod) it runs on; null for unreachable nodes and older nodes. */
  pid: z.number().int().nullable(),
  host: z.string().nullable(),
  role: z.string(),
  controller: z.boolean(),
  state: z.enum(['active', 'draining', 'unreachable']),
  uptimeSeconds: z.number(),
  load1: z.number().nullable(),
  /** CPUs this node may use: its container's CPU quota when it has one, else the host's CPUs. */
  cpus: z.number().nullable(),
  rssBytes: z.number().nullable(),
  /** Memory this node may use: its container's memory limit when it has one, else the host's. */
  memTotalBytes: z.number().nullable(),
  diskFreeBytes: z.number().nullable(),
  diskTotalBytes: z.number().nullable(),
  open: z.number().int(),
  sessions: z.record(z.string(), z.number().int()),
  queueDepth: z.number().int().nullable(),
  version: z.string(),
  ports: z.record(z.string(), z.number().int()),
  /** For unreachable nodes: since when (ms). */
  since: z.number().optional(),
});
export type NodeRow = z.infer<typeof nodeRowSchema>;

export const clusterStatusSchema = z.object({
  cluster: z.string(),
  controller: z.string().nullable(),
  nodes: z.array(nodeRowSchema),
  openAccounts: z.number().int(),
  /** Spools of dead nodes and who works them. */
  queueTakeovers: z.array(z.object({ spoolOf: z.string(), owner: z.string() })),
  at: z.number(),
});
export type ClusterStatus = z.infer<typeof clusterStatusSchema>;

export const whereSchema = z.object({ account: z.string(), holder: z.string().nullable(), token: z.string().optional(), since: z.number().optional() });
export const moveResultSchema = z.object({ account: z.string(), holder: z.string(), token: z.string(), from: z.string().optional() });
export const stepDownResultSchema = z.object({ from: z.string(), to: z.string().nullable(), ms: z.number() });
export const drainResultSchema = z.object({ node: z.string(), draining: z.boolean(), accounts: z.number().int() });

export const queueSummarySchema = z.object({ spoolOf: z.string(), messages: z.number().int(), bytes: z.number(), oldest: z.number().nullable(), unreadable: z.number().int() });
export type QueueSummary = z.infer<typeof queueSummarySchema>;
export const queueListSchema = z.array(queueSummarySchema);
export const queueShowSchema = z.array(envelopeSchema);
export const flushResultSchema = z.object({ node: z.string(), queued: z.number().int() });

export const domainListSchema = z.array(z.string());
export const domainAddedSchema = z.object({ domain: z.string() });
/** An account as the API shows it: everything but the password hash. */
export const publicAccountSchema = z.object({ address: z.string(), quotaBytes: z.number().int(), enabled: z.boolean(), created: z.number() });
export type PublicAccount = z.infer<typeof publicAccountSchema>;
export const accountListSchema = z.array(publicAccountSchema);
export const accountAddedSchema = z.object({ address: z.string() });

/** POST /api/v1/dashboard-link: a one-time login link to the answering node's dashboard. */
export const dashboardLinkSchema = z.object({ path: z.string().regex(/^\/dashboard\?login=[A-Za-z0-9_.-]+$/), expiresInSeconds: z.number() });
export type DashboardLink = z.infer<typeof dashboardLinkSchema>;
