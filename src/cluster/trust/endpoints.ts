/**
 * Where to reach a node for an internal call, and who it is: its address and port as it
 * registered them, and its name and registration (lease id), which every credential sent to it
 * names (credentials.ts). Undefined when the node is not registered or has no such port.
 */
import type { ClusterView } from '../view.ts';

export interface PeerEndpoint { host: string; port: number; node: string; lease: string }

export function peerEndpoint(view: ClusterView, node: string, port: string): PeerEndpoint | undefined {
  const entry = view.nodes.get(node);
  const p = entry?.value.ports[port];
  return entry && p ? { host: entry.value.address, port: p, node, lease: entry.lease } : undefined;
}

/**
 * This node's name and registration as the cluster sees it (its own `nodes/` key in the view): the
 * audience peers address credentials to, since they read the same key. Empty lease before it registered.
 */
export function selfAudience(view: ClusterView, node: string): { node: string; lease: string } {
  return { node, lease: view.nodes.get(node)?.lease ?? '' };
}
