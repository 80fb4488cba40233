/**
 * The configuration schema: the single source of truth for every setting, its default, its type
 * and (through `envName`) the MAILCLUSTER_* environment variable that sets it.
 *
 * Layering (see loader.ts): defaults → JSON config file → MAILCLUSTER_* environment.
 * Cross-field rules live in `checkCrossFields` and run after every layer is merged.
 */
import { isIP, isIPv6 } from 'node:net';
import { z } from 'zod';
import { parseCidr } from '../util/trusted-proxies.ts';

export const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const ROLES = ['symmetric', 'backend', 'frontend'] as const;
export type Role = (typeof ROLES)[number];

/** Client listeners that can sit behind a PROXY protocol load balancer. */
export const PROXY_LISTENERS = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s'] as const;

const port = z.number().int().min(0).max(65535);

/** `ip`, `ip:port` or `[ipv6]:port`, with a port from 1 to 65535: what `dns.Resolver#setServers` takes. */
function isDnsServer(s: string): boolean {
  if (isIPv6(s)) return true;
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m || !isIP(m[1]!) || (m[0].startsWith('[') && !isIPv6(m[1]!))) return false;
  return m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535);
}

export const configSchema = z.object({
  cluster: z
    .object({
      /** Names the key prefix /mailcluster/<name>/ so several clusters can share one etcd. */
      name: z.string().regex(NODE_NAME).default('default'),
      /** Shared secret for inter-node RPC (HMAC), at least 32 characters. Required to run a node. */
      secret: z.string().default(''),
      /**
       * Internal links (LMTP hand-over, proxied IMAP/POP3 sessions, RPC) run over mutually
       * authenticated TLS: the cluster CA's certificate (PEM), and this node's certificate and key,
       * issued by that CA for the node's name (`mailcluster init --tls-dir`, `mailcluster node-certs`).
       * Required to run a node.
       */
      caFile: z.string().default(''),
      certFile: z.string().default(''),
      keyFile: z.string().default(''),
    })
    .strict()
    .default({ name: 'default', secret: '', caFile: '', certFile: '', keyFile: '' }),
  node: z
    .object({
      /** Stable node identity, e.g. the StatefulSet pod name mail-0. Defaults to the host name. */
      name: z.string().regex(NODE_NAME, 'must be a DNS label such as mail-0'),
      role: z.enum(ROLES).default('symmetric'),
      /** Address other nodes use to reach this one (a pod's DNS name or IP). */
      advertiseAddress: z.string().min(1).default('127.0.0.1'),
      /** Address the listeners bind to. */
      bindAddress: z.string().min(1).default('127.0.0.1'),
      /**
       * Clear this node's drain flag when it starts. For Kubernetes, where preStop drains the pod
       * before a restart (rolling upgrade) and the restarted pod should serve again.
       */
      undrainOnStart: z.boolean().default(false),
      /**
       * On SIGTERM, how long SMTP, LMTP and submission sessions get to finish the transaction under
       * way before they are closed with `421`; idle pooled connections are closed at its end too.
       * The whole shutdown takes at most this plus a few seconds, then the lease is revoked.
       */
      shutdownGraceMs: z.number().int().min(0).max(300_000).default(5000),
    })
    .strict(),
  ports: z
    .object({
      /** Internal control RPC (controller and peer calls). 0 picks a free port. */
      rpc: port.default(7400),
      /** HTTP admin: /healthz, /readyz. 0 picks a free port. */
      admin: port.default(7480),
      /** Inbound SMTP (MX). */
      smtp: port.default(25),
      /** Internal LMTP for handing messages to the holder (cluster-authenticated). */
      lmtp: port.default(7424),
      /** Internal: proxied IMAP and POP3 sessions from other nodes (mutual TLS, the protocol chosen by ALPN). */
      peer: port.default(7443),
      /** Message submission with STARTTLS (RFC 6409). */
      submission: port.default(587),
      /** Message submission over implicit TLS (RFC 8314). */
      submissions: port.default(465),
      /** IMAP with STARTTLS (RFC 3501). */
      imap: port.default(143),
      /** IMAP over implicit TLS (RFC 8314). */
      imaps: port.default(993),
      /** POP3 with STLS (RFC 1939, RFC 2595). */
      pop3: port.default(110),
      /** POP3 over implicit TLS (RFC 8314). */
      pop3s: port.default(995),
    })
    .strict()
    .default({ rpc: 7400, admin: 7480, smtp: 25, lmtp: 7424, peer: 7443, submission: 587, submissions: 465, imap: 143, imaps: 993, pop3: 110, pop3s: 995 }),
  imap: z
    .object({
      /** Accept user passwords on unencrypted IMAP (before STARTTLS). Off in production; `mailcluster dev` turns it on. */
      allowPlaintextAuth: z.boolean().default(false),
      /** Longest command line segment, in bytes. */
      maxLineBytes: z.number().int().min(1024).default(64 * 1024),
      /** Largest literal (APPEND message), in bytes; larger ones get NO [TOOBIG]. */
      maxLiteralBytes: z.number().int().min(1024).default(50 * 1024 * 1024),
      /** Bad commands after which a session is closed. */
      maxBadCommands: z.number().int().min(1).default(20),
      /** Sessions silent this long are logged out (RFC 3501 §5.4: at least 30 minutes); IDLE is exempt. */
      idleTimeoutSeconds: z.number().int().min(60).default(1800),
      /** Connections per node (served and proxied); more are refused with `* BYE`. */
      maxConnections: z.number().int().min(1).default(10_000),
    })
    .strict()
    .default({ allowPlaintextAuth: false, maxLineBytes: 65536, maxLiteralBytes: 52428800, maxBadCommands: 20, idleTimeoutSeconds: 1800, maxConnections: 10_000 }),
  pop3: z
    .object({
      /** Accept user passwords on unencrypted POP3 (before STLS). Off in production; `mailcluster dev` turns it on. */
      allowPlaintextAuth: z.boolean().default(false),
      /** Longest command line in bytes, CRLF included (RFC 2449 §4: 255; SASL responses may be longer). */
      maxLineBytes: z.number().int().min(255).max(8192).default(255),
      /** Bad commands (and failed logins) after which a session is closed. */
      maxBadCommands: z.number().int().min(1).default(20),
      /** Sessions silent this long are logged out (RFC 1939 §3: at least 10 minutes). */
      idleTimeoutSeconds: z.number().int().min(600).default(600),
      /** Connections per node (served and proxied); more are refused with `-ERR [SYS/TEMP]`. */
      maxConnections: z.number().int().min(1).default(10_000),
    })
    .strict()
    .default({ allowPlaintextAuth: false, maxLineBytes: 255, maxBadCommands: 20, idleTimeoutSeconds: 600, maxConnections: 10_000 }),
  proxyProtocol: z
    .object({
      /**
       * Load balancers allowed to send a PROXY protocol header (v1 or v2): addresses or CIDR blocks.
       * Empty = PROXY protocol off. A connection from one of them without a valid header is closed;
       * a header from any other address is refused (closed, logged).
       */
      trusted: z.array(z.string().refine((s) => parseCidr(s) !== undefined, 'must be an IP address or CIDR block such as 10.0.0.0/8')).default([]),
      /** The client listeners that expect headers from the trusted addresses. */
      listeners: z.array(z.enum(PROXY_LISTENERS)).default([...PROXY_LISTENERS]),
      /** How long a trusted peer has to send its complete header. */
      headerTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
    })
    .strict()
    .default({ trusted: [], listeners: [...PROXY_LISTENERS], headerTimeoutMs: 5000 }),
  tls: z
    .object({
      /** PEM certificate chain and key for client-facing TLS; empty = a self-signed pair made at start. */
      certFile: z.string().default(''),
      keyFile: z.string().default(''),
      /**
       * The files are watched and reloaded on change without a restart; this is the period of the
       * stat check that backs up the watch (file systems where fs.watch sees nothing).
       */
      reloadCheckMs: z.number().int().min(100).default(10_000),
    })
    .strict()
    .default({ certFile: '', keyFile: '', reloadCheckMs: 10_000 }),
  relay: z
    .object({
      /** host:port of a smarthost for outbound mail; empty = direct delivery to the domain's MX. */
      smarthost: z.string().default(''),
      /** Port used when delivering directly to MX hosts. */
      mxPort: port.default(25),
      /**
       * DNS servers for direct delivery's MX and MX-host address lookups, e.g. a cluster's own
       * resolver: `ip` or `ip:port` (IPv6 as `[ip]:port`). Empty = the system's resolver.
       */
      dnsServers: z.array(z.string().refine(isDnsServer, 'must be an IP address, optionally with :port (IPv6 as [ip]:port)')).default([]),
    })
    .strict()
    .default({ smarthost: '', mxPort: 25, dnsServers: [] }),
  smtp: z
    .object({
      /** Name in the greeting and in Received headers; defaults to the node name. */
      hostname: z.string().default(''),
      /** Largest message accepted, in bytes (SIZE; 552 above it). */
      maxMessageBytes: z.number().int().min(1024).default(50 * 1024 * 1024),
      maxRecipients: z.number().int().min(1).default(100),
      /** Pause before the port-25 greeting to catch early talkers (spam bots); 0 = greet at once, as Postfix does without postscreen. */
      greetPauseMs: z.number().int().min(0).max(30_000).default(0),
      /** Connections per listener (25, 587, 465); more are answered `421` and closed. */
      maxConnections: z.number().int().min(1).default(1000),
    })
    .strict()
    .default({ hostname: '', maxMessageBytes: 50 * 1024 * 1024, maxRecipients: 100, greetPauseMs: 0, maxConnections: 1000 }),
  limits: z
    .object({
      /** Connections at once from one client address (see worker/net/client-address.ts) on port 25; more get `421 4.7.0`. Postfix: 50. */
      smtpConnectionsPerAddress: z.number().int().min(1).default(50),
      /** The same for submission (587 and 465 together). */
      submissionConnectionsPerAddress: z.number().int().min(1).default(20),
      /** The same for IMAP (143 and 993 together); more get `* BYE`. Dovecot's mail_max_userip_connections is 10 per user. */
      imapConnectionsPerAddress: z.number().int().min(1).default(50),
      /** The same for POP3 (110 and 995 together); more get `-ERR [IN-USE]`. */
      pop3ConnectionsPerAddress: z.number().int().min(1).default(20),
      /** The same for the internal LMTP port (peers pool up to 8 connections each). */
      lmtpConnectionsPerAddress: z.number().int().min(1).default(200),
      /** IMAP and POP3 connections not logged in this long after connecting are closed, however busy. */
      preLoginTimeoutSeconds: z.number().int().min(1).default(60),
      /** IMAP and POP3 connections per minute from one address that never log in; more get `* BYE` / `-ERR [SYS/TEMP]`. Connections that log in do not count. */
      loginLessConnectionsPerMinute: z.number().int().min(1).default(120),
      /** Wait before the next login attempt after one failure from an address or for an account; doubles per failure. */
      authFailureDelayMs: z.number().int().min(0).default(1000),
      /** Longest such wait (Dovecot's auth penalty stops at 15 s). */
      authMaxDelayMs: z.number().int().min(0).default(15_000),
      /** Failures from one address after which its logins are refused for now (temporary error, no password checked). */
      authRefuseAfterAddressFailures: z.number().int().min(1).default(30),
      /** Failures for one account after which addresses that have failed before are refused for it. */
      authRefuseAfterAccountFailures: z.number().int().min(1).default(10),
      /** Failures are forgotten this long after the last one; a success forgets them at once. */
      authPenaltySeconds: z.number().int().min(1).default(900),
      /** Failed logins on one connection after which it is closed. */
      authFailuresPerConnection: z.number().int().min(1).default(3),
      /** Password hashes (scrypt, on libuv's 4-thread pool with all disk I/O) computed at once per node. */
      authConcurrentVerifications: z.number().int().min(1).max(64).default(2),
      /** SMTP/submission: after smtpSoftErrorLimit errors (unknown recipients, bad senders, failed AUTH) every reply waits this long. Postfix: 1 s. */
      smtpErrorSleepMs: z.number().int().min(0).max(60_000).default(1000),
      smtpSoftErrorLimit: z.number().int().min(0).default(10),
      /** Errors after which the session gets `421 4.7.0` and is closed. Postfix: 20. */
      smtpHardErrorLimit: z.number().int().min(1).default(20),
    })
    .strict()
    .default({
      smtpConnectionsPerAddress: 50,
      submissionConnectionsPerAddress: 20,
      imapConnectionsPerAddress: 50,
      pop3ConnectionsPerAddress: 20,
      lmtpConnectionsPerAddress: 200,
      preLoginTimeoutSeconds: 60,
      loginLessConnectionsPerMinute: 120,
      authFailureDelayMs: 1000,
      authMaxDelayMs: 15_000,
      authRefuseAfterAddressFailures: 30,
      authRefuseAfterAccountFailures: 10,
      authPenaltySeconds: 900,
      authFailuresPerConnection: 3,
      authConcurrentVerifications: 2,
      smtpErrorSleepMs: 1000,
      smtpSoftErrorLimit: 10,
      smtpHardErrorLimit: 20,
    }),
  queue: z
    .object({
      /** First retry delay after a temporary failure; doubles per attempt up to retryMaxMs. */
      retryBaseMs: z.number().int().min(10).default(60_000),
      retryMaxMs: z.number().int().min(10).default(60 * 60_000),
      /** How long a message may stay queued before it bounces. */
      lifetimeSeconds: z.number().int().min(1).default(5 * 24 * 3600),
    })
    .strict()
    .default({ retryBaseMs: 60_000, retryMaxMs: 3_600_000, lifetimeSeconds: 432_000 }),
  etcd: z
    .object({
      endpoints: z.array(z.string().url()).min(1).default(['http://127.0.0.1:2379']),
      /** Deadline of every unary etcd call. */
      requestTimeoutMs: z.number().int().min(100).default(3000),
      /**
       * etcd over TLS (https:// endpoints): the PEM CA that signed etcd's server certificate, and
       * this client's certificate and key for etcd's `--client-cert-auth`. Empty = plain gRPC.
       */
      caFile: z.string().default(''),
      certFile: z.string().default(''),
      keyFile: z.string().default(''),
    })
    .strict()
    .default({ endpoints: ['http://127.0.0.1:2379'], requestTimeoutMs: 3000, caFile: '', certFile: '', keyFile: '' }),
  lease: z
    .object({
      /** Lease TTL in whole seconds. Node key, candidacy and open grants expire with it. */
      ttlSeconds: z.number().int().min(1).default(10),
      /** How often a keep-alive is sent. */
      keepAliveIntervalMs: z.number().int().min(50).default(2000),
      /**
       * A node whose last acknowledged keep-alive was sent more than ttl - safetyMargin ago stops
       * serving every account it holds (self-fencing), before etcd can expire the lease.
       */
      safetyMarginMs: z.number().int().min(0).default(3000),
    })
    .strict()
    .default({ ttlSeconds: 10, keepAliveIntervalMs: 2000, safetyMarginMs: 3000 }),
  locks: z
    .object({
      /** How long an open RPC keeps retrying (controller failover in between) before failing. */
      openTimeoutMs: z.number().int().min(100).default(30000),
      /** Per-attempt deadline of an RPC to the controller. */
      rpcTimeoutMs: z.number().int().min(50).default(2000),
      /** An account held with no activity for this long is released. 0 disables idle release. */
      idleReleaseSeconds: z.number().int().min(0).default(600),
    })
    .strict()
    .default({ openTimeoutMs: 30000, rpcTimeoutMs: 2000, idleReleaseSeconds: 600 }),
  storage: z
    .object({
      /** The shared root every node mounts (mail/, queue/). */
      root: z.string().min(1).default('/var/lib/mailcluster'),
    })
    .strict()
    .default({ root: '/var/lib/mailcluster' }),
  admin: z
    .object({
      /**
       * Bearer token for the admin JSON API and dashboard. Empty = derived from cluster.secret
       * (HMAC), so a node and a CLI that share the secret agree without another setting.
       */
      token: z.string().default(''),
      /**
       * Bearer token Prometheus must send for /metrics (`authorization` in its scrape config).
       * Empty (the default) = /metrics is open, like /healthz: keep the admin port off the
       * Internet, or set this.
       */
      metricsToken: z.string().default(''),
      /** For the CLI: admin URLs to try in order; empty = http://127.0.0.1:<ports.admin>. */
      urls: z.array(z.string().url()).default([]),
      /** How often a node republishes its status figures (load, memory, disk, sessions). */
      statsIntervalMs: z.number().int().min(200).default(5000),
    })
    .strict()
    .default({ token: '', metricsToken: '', urls: [], statsIntervalMs: 5000 }),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .strict()
    .default({ level: 'info' }),
});

export type Config = z.infer<typeof configSchema>;

/** Rules that relate several fields; returns human-readable problems (empty when valid). */
export function checkCrossFields(c: Config, purpose: 'node' | 'client' = 'node'): string[] {
  const problems: string[] = [];
  if (purpose === 'node' && c.cluster.secret.length < 32) {
    problems.push('cluster.secret: must be at least 32 characters (generate one with `mailcluster init`)');
  }
  if (purpose === 'node' && (!c.cluster.caFile || !c.cluster.certFile || !c.cluster.keyFile)) {
    problems.push('cluster.caFile, cluster.certFile and cluster.keyFile: a node needs the cluster CA and its own certificate for the internal links (make them with `mailcluster init --tls-dir DIR --nodes NAMES`)');
  }
  const ttlMs = c.lease.ttlSeconds * 1000;
  if (c.lease.safetyMarginMs >= ttlMs) {
    problems.push(`lease.safetyMarginMs (${c.lease.safetyMarginMs}) must be below lease.ttlSeconds × 1000 (${ttlMs})`);
  }
  // Two keep-alives must be able to fail (one slow etcd write, e.g. an etcd leader election)
  // before the node fences itself.
  const fenceAfter = ttlMs - c.lease.safetyMarginMs;
  if (c.lease.keepAliveIntervalMs * 2 >= fenceAfter) {
    problems.push(
      `lease.keepAliveIntervalMs × 2 (${c.lease.keepAliveIntervalMs * 2}) must be below lease.ttlSeconds × 1000 - lease.safetyMarginMs (${fenceAfter})`,
    );
  }
  if (!c.etcd.certFile !== !c.etcd.keyFile) problems.push('etcd.certFile and etcd.keyFile: set both or neither');
  if ((c.etcd.caFile || c.etcd.certFile) && c.etcd.endpoints.some((e) => !e.startsWith('https://'))) {
    problems.push('etcd.endpoints: must all be https:// when etcd.caFile or etcd.certFile is set');
  }
  if (c.locks.rpcTimeoutMs > c.locks.openTimeoutMs) {
    problems.push('locks.rpcTimeoutMs must not exceed locks.openTimeoutMs');
  }
  const fixed = Object.entries(c.ports).filter(([, p]) => p !== 0);
  for (const [i, [name, p]] of fixed.entries()) {
    const clash = fixed.slice(i + 1).find(([, q]) => q === p);
    if (clash) problems.push(`ports.${name} and ports.${clash[0]} are both ${p}`);
  }
  return problems;
}

/** Keys whose values are secrets: redacted by printconf and never logged. */
export const SECRET_PATHS = ['cluster.secret', 'admin.token', 'admin.metricsToken'] as const;
