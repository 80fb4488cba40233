/**
 * The node's Prometheus metrics (prom-client), one registry per node. Gauges that mirror state
 * (leadership, open accounts, queue depth) are computed at scrape time from the live objects;
 * counters and histograms are updated where the events happen.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  leading: () => boolean;
  openAccounts: () => number;
  queueDepth: () => number;
  serving: () => boolean;
  /** Open client sessions per protocol; `imap-proxied`/`pop3-proxied` count sessions spliced to another node. */
  sessions: () => Record<string, number>;
  /** Age of the oldest message in the spools this node works, in seconds (0 when empty); from memory. */
  queueOldestSeconds: () => number;
}

export class NodeMetrics {
  readonly registry = new Registry();
  readonly failovers: Counter;
  readonly failoverGap: Histogram;
  readonly grantLatency: Histogram;
  readonly deliveries: Counter;
  readonly selfFences: Counter;
  readonly smtpRefusals: Counter;
  readonly connectionsRefused: Counter;

  constructor(node: string, s: MetricsSources) {
    this.registry.setDefaultLabels({ node });
    collectDefaultMetrics({ register: this.registry });
    const r = [this.registry];
    new Gauge({ name: 'mailcluster_controller_leader', help: '1 while this node is the elected controller', registers: r, collect() { this.set(s.leading() ? 1 : 0); } });
    new Gauge({ name: 'mailcluster_serving', help: '1 while this node may serve the accounts it holds (not self-fenced)', registers: r, collect() { this.set(s.serving() ? 1 : 0); } });
    new Gauge({ name: 'mailcluster_open_accounts', help: 'Accounts this node holds open', registers: r, collect() { this.set(s.openAccounts()); } });
    new Gauge({ name: 'mailcluster_queue_depth', help: 'Messages waiting in the spools this node works', registers: r, collect() { this.set(s.queueDepth()); } });
    new Gauge({
      name: 'mailcluster_sessions',
      help: 'Open client sessions per protocol on this node',
      labelNames: ['protocol'],
      registers: r,
      collect() {
        this.reset();
        for (const [protocol, n] of Object.entries(s.sessions())) this.set({ protocol }, n);
      },
    });
    new Gauge({
      name: 'mailcluster_queue_oldest_seconds',
      help: 'Age of the oldest message in the spools this node works',
      registers: r,
      collect() { this.set(s.queueOldestSeconds()); },
    });
    this.failovers = new Counter({ name: 'mailcluster_controller_elections_total', help: 'Times this node became controller', registers: r });
    this.failoverGap = new Histogram({
      name: 'mailcluster_controller_gap_seconds',
      help: 'Failover gap measured by the new controller: from the old one last known alive (its lease expiry minus the TTL, or its resignation) to this node elected',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 60],
      registers: r,
    });
    this.grantLatency = new Histogram({
      name: 'mailcluster_grant_duration_seconds',
      help: 'Time to make a new open grant on the controller (placement + guarded etcd transaction)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: r,
    });
    this.deliveries = new Counter({ name: 'mailcluster_deliveries_total', help: 'Delivery outcomes per recipient', labelNames: ['result'], registers: r });
    this.selfFences = new Counter({ name: 'mailcluster_self_fenced_total', help: 'Times this node fenced itself after missing keep-alives', registers: r });
    this.connectionsRefused = new Counter({ name: 'mailcluster_connections_refused_total', help: 'Client connections refused (limits)', labelNames: ['protocol', 'reason'], registers: r });
    this.smtpRefusals = new Counter({ name: 'mailcluster_smtp_refusals_total', help: 'SMTP recipients refused', labelNames: ['code'], registers: r });
  }
}
