/**
 * The cluster as operators see it (design §8): one row per node that ever joined — live nodes
 * from their lease-bound keys, nodes whose lease is gone from the controller's member records
 * (state `unreachable`) — with the controller marked, plus placement and queue assignments.
 * Built from this node's ClusterView and one read of `members/`: any node shows the whole cluster.
 */
import type { Etcd3 } from 'etcd3';
import type { Keys } from '../../src/cluster/keys.ts';
import type { ClusterView } from '../../src/cluster/view.ts';
import { parseJson } from '../../src/cluster/values.ts';
import { memberValueSchema } from '../../controller/membership-reconciler.ts';
import type { ClusterStatus, NodeRow } from '../../src/cluster/admin-api.ts';

export type { ClusterStatus, NodeRow } from '../../src/cluster/admin-api.ts';

export async function clusterStatus(etcd: Etcd3, keys: Keys, view: ClusterView): Promise<ClusterStatus> {
  const controller = view.controller()?.node ?? null;
  const open = new Map<string, number>();
  for (const g of view.grants.values()) open.set(g.holder, (open.get(g.holder) ?? 0) + 1);
  const rows: NodeRow[] = [...view.nodes.values()].map(({ value: n }) => ({
    name: n.name,
    address: n.address,
    pid: n.pid ?? null,
    host: n.host ?? null,
    role: n.role,
    controller: n.name === controller,
    state: view.drains.has(n.name) ? 'draining' : 'active',
    uptimeSeconds: Math.max(0, Math.round((Date.now() - n.started) / 1000)),
    load1: n.stats?.load1 ?? null,
    cpus: n.stats?.cpus ?? null,
    rssBytes: n.stats?.rssBytes ?? null,
    memTotalBytes: n.stats?.memTotalBytes ?? null,
    diskFreeBytes: n.stats?.diskFreeBytes ?? null,
    diskTotalBytes: n.stats?.diskTotalBytes ?? null,
    open: open.get(n.name) ?? 0,
    sessions: n.stats?.sessions ?? {},
    queueDepth: n.stats?.queueDepth ?? null,
    version: n.version,
    ports: n.ports,
  }));
  const members = await etcd.getAll().prefix(keys.membersPrefix).exec();
  for (const kv of members.kvs) {
    const m = parseJson(memberValueSchema, kv.value);
    if (!m || view.nodes.has(m.name)) continue;
    rows.push({
      name: m.name, address: m.address, pid: null, host: null, role: m.role, controller: false, state: 'unreachable', uptimeSeconds: 0,
      load1: null, cpus: null, rssBytes: null, memTotalBytes: null, diskFreeBytes: null, diskTotalBytes: null,
      open: open.get(m.name) ?? 0, sessions: {}, queueDepth: null, version: m.version, ports: {}, since: m.since,
    });
  }
  rows.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  return {
    cluster: keys.cluster,
    controller,
    nodes: rows,
    openAccounts: view.grants.size,
    queueTakeovers: [...view.queues.values()].map((q) => ({ spoolOf: q.spoolOf, owner: q.owner })),
    at: Date.now(),
  };
}
