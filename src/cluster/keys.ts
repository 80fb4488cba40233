/**
 * The etcd key layout (design §3), all under /mailcluster/<cluster>/.
 * Account names in keys are already normalised (see src/util/account.ts).
 */
export class Keys {
  readonly prefix: string;
  constructor(readonly cluster: string) {
    this.prefix = `/mailcluster/${cluster}/`;
  }
  get nodesPrefix(): string { return `${this.prefix}nodes/`; }
  node(name: string): string { return `${this.nodesPrefix}${name}`; }
  get electionPrefix(): string { return `${this.prefix}election/controller/`; }
  /** One candidacy key per lease, as etcd's concurrency.Election does. */
  candidate(leaseId: string): string { return `${this.electionPrefix}${leaseId}`; }
  get openPrefix(): string { return `${this.prefix}open/`; }
  open(account: string): string { return `${this.openPrefix}${account}`; }
  get drainPrefix(): string { return `${this.prefix}drain/`; }
  drain(node: string): string { return `${this.drainPrefix}${node}`; }
  get queuesPrefix(): string { return `${this.prefix}queues/`; }
  /** Which live node processes the spool of `node` (a node whose lease is gone). */
  queue(node: string): string { return `${this.queuesPrefix}${node}`; }

  get eventsPrefix(): string { return `${this.prefix}events/`; }
  event(id: string): string { return `${this.eventsPrefix}${id}`; }
  get membersPrefix(): string { return `${this.prefix}members/`; }
  /** Permanent record of a node that registered once (status shows it unreachable when its lease is gone). */
  member(name: string): string { return `${this.membersPrefix}${name}`; }

  /** Splits a full key into its family and name, or undefined for keys outside the layout. */
  parse(key: string): { family: 'nodes' | 'election' | 'open' | 'drain' | 'queues'; name: string } | undefined {
    if (!key.startsWith(this.prefix)) return undefined;
    const rest = key.slice(this.prefix.length);
    for (const [family, p] of [['nodes', 'nodes/'], ['election', 'election/controller/'], ['open', 'open/'], ['drain', 'drain/'], ['queues', 'queues/']] as const) {
      if (rest.startsWith(p)) return { family, name: rest.slice(p.length) };
    }
    return undefined;
  }
}
