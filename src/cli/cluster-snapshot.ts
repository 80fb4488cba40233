/** Reads the cluster's state from etcd once (for CLI verbs): nodes, controller, grants. */
import type { Config } from '../config/schema.ts';
import { createEtcd } from '../cluster/etcd.ts';
import { Keys } from '../cluster/keys.ts';
import { ClusterView } from '../cluster/view.ts';
import { silentLogger } from '../log/logger.ts';

export async function withView<T>(config: Readonly<Config>, fn: (view: ClusterView) => T | Promise<T>): Promise<T> {
  const etcd = createEtcd(config.etcd);
  const view = new ClusterView(etcd, new Keys(config.cluster.name), silentLogger);
  try {
    const loaded = view.start();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`etcd at ${config.etcd.endpoints.join(', ')} did not answer`)), config.etcd.requestTimeoutMs * 2).unref(),
    );
    await Promise.race([loaded, timeout]);
    return await fn(view);
  } finally {
    await view.stop();
    etcd.close();
  }
}
