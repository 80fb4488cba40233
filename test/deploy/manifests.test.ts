/**
 * The Kubernetes manifests, statically: both overlays render, every object validates against the
 * Kubernetes API schemas (kubernetes-models), every MAILCLUSTER_* variable they set is one the
 * config schema knows and the pod environment loads as a node config, every container port is the
 * port the node binds for it (and every port the node binds has one), Services and NetworkPolicy
 * name only those ports and keep the internal ones internal, the grace period covers the preStop
 * drain, the Secret made as deploy/README.md says gives the nodes their secret, and the
 * Dockerfile is built as the manifests expect. The probes and the preStop command
 * are exercised against running nodes in boot.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envKeys } from '../../src/config/env.ts';
import { loadConfig } from '../../src/config/loader.ts';
import { MAILCLUSTER_BIN, NODE_V8_FLAGS } from '../../src/devcluster/node-process.ts';
import { DEPLOY, KUBECTL, find, mailContainer, parseObjects, podEnvOf, render, type K8sObject } from './render.ts';

const objs = render('overlays/test');
const external = render('overlays/external-etcd');
const mail = find(objs, 'StatefulSet', 'mail') as K8sObject & { spec: any };
const container = mailContainer(objs);
const portNames = container.ports.map((p) => p.name);
/** Ports only the cluster's own pods may reach (they also require the cluster secret). */
const INTERNAL = ['rpc', 'lmtp', 'peer', 'admin'];
const kindsOf = (os: K8sObject[]): string[] => os.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();

type Model = new (data: unknown) => { validate(): void };
async function modelFor(o: K8sObject): Promise<Model> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const path = `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
  const mod = (await import(/* @vite-ignore */ path)) as Record<string, Model>;
  return mod[o.kind]!;
}

describe('Kubernetes manifests', () => {
  it('the test overlay renders with every part the deployment needs', () => {
    expect(kindsOf(objs)).toEqual([
      'ConfigMap/mailcluster-config', 'Namespace/mailcluster-test', 'NetworkPolicy/etcd', 'NetworkPolicy/mail', 'PersistentVolumeClaim/mail-shared',
      'PodDisruptionBudget/etcd', 'PodDisruptionBudget/mail', 'Secret/mailcluster-secret', 'Service/etcd', 'Service/mail', 'Service/mail-admin', 'Service/mail-public',
      'StatefulSet/etcd', 'StatefulSet/mail',
    ]);
    expect(mail.spec).toMatchObject({ replicas: 3, podManagementPolicy: 'Parallel', serviceName: 'mail' });
    expect(find(objs, 'Service', 'mail')).toMatchObject({ spec: { clusterIP: 'None', publishNotReadyAddresses: true } });
    expect(find(objs, 'PersistentVolumeClaim', 'mail-shared')).toMatchObject({ spec: { accessModes: ['ReadWriteMany'] } });
    expect(find(objs, 'Service', 'mail-public')).toMatchObject({ spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' } });
    expect(find(objs, 'StatefulSet', 'etcd')).toMatchObject({ spec: { replicas: 3, serviceName: 'etcd' } });
    expect(find(objs, 'PodDisruptionBudget', 'mail')).toMatchObject({ spec: { maxUnavailable: 1 } });
  });

  it('the external-etcd overlay renders the nodes without an etcd, pointed at the given endpoints', () => {
    expect(kindsOf(external)).toEqual([
      'ConfigMap/mailcluster-config', 'NetworkPolicy/mail', 'PersistentVolumeClaim/mail-shared', 'PodDisruptionBudget/mail',
      'Service/mail', 'Service/mail-admin', 'Service/mail-public', 'StatefulSet/mail',
    ]);
    const data = (find(external, 'ConfigMap', 'mailcluster-config') as any).data as Record<string, string>;
    expect(data.MAILCLUSTER_ETCD_ENDPOINTS).toMatch(/^https:\/\/etcd-a\.infra\.svc:2379,/);
    // each pod's own certificate is named after it in the StatefulSet; the CA in the ConfigMap
    const podFiles = Object.fromEntries((mailContainer(external).env as Array<{ name: string; value?: string }>)
      .filter((e) => e.name.startsWith('MAILCLUSTER_CLUSTER_'))
      .map((e) => [e.name, (e.value ?? '').replace('$(MAILCLUSTER_NODE_NAME)', 'mail-0')]));
    expect(podFiles).toEqual({ MAILCLUSTER_CLUSTER_CERT_FILE: '/etc/mailcluster/node-tls/mail-0.crt', MAILCLUSTER_CLUSTER_KEY_FILE: '/etc/mailcluster/node-tls/mail-0.key' });
    expect(data.MAILCLUSTER_CLUSTER_CA_FILE).toBe('/etc/mailcluster/node-tls/ca.crt');
    expect(loadConfig({ env: { ...data, ...podFiles, MAILCLUSTER_NODE_NAME: 'mail-0', MAILCLUSTER_CLUSTER_SECRET: 'x'.repeat(32) }, purpose: 'node' }).etcd.endpoints).toHaveLength(3);
    // the Secret is created by the operator, under the name the StatefulSet expects
    expect(mailContainer(external).envFrom).toContainEqual({ secretRef: { name: 'mailcluster-secret' } });
  });

  it('every object validates against the Kubernetes API schemas', async () => {
    for (const o of [...objs, ...external]) {
      const Model = await modelFor(o);
      expect(() => new Model(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
    // and the validator does reject a broken object
    const Model = await modelFor(mail);
    expect(() => new Model({ ...mail, spec: { ...mail.spec, replicas: 'three' } }).validate()).toThrow();
  });

  it('sets only variables the config schema knows, and the pod environment loads as a node config', () => {
    const known = new Set(envKeys().map((k) => k.name));
    const env = podEnvOf(objs, 'mail-1');
    const configMap = (find(objs, 'ConfigMap', 'mailcluster-config') as any).data as Record<string, string>;
    const unknown = Object.keys({ ...configMap, ...env }).filter((n) => n.startsWith('MAILCLUSTER_') && !known.has(n));
    expect(unknown).toEqual([]);
    expect(Object.keys(env).filter((n) => !n.startsWith('MAILCLUSTER_'))).toEqual(['POD_NAMESPACE']);
    const config = loadConfig({ env, purpose: 'node' });
    expect(config.node.name).toBe('mail-1');
    expect(config.node.advertiseAddress).toBe('mail-1.mail.mailcluster-test.svc.cluster.local');
    expect(config.node.bindAddress).toBe('0.0.0.0');
    expect(config.cluster.secret.length).toBeGreaterThanOrEqual(32);
    expect(config.node.undrainOnStart).toBe(true);
    expect(config.etcd.endpoints.every((e) => /^https:\/\/etcd-\d\.etcd\.mailcluster-test\.svc:2379$/.test(e))).toBe(true);
  });

  it('the Secret made as deploy/README.md says, from `mailcluster init`, gives the nodes their secret', () => {
    expect(readFileSync(join(DEPLOY, 'README.md'), 'utf8')).toMatch(/create secret generic mailcluster-secret \\\n\s+--from-env-file=<\(docker run --rm \S+ init\)/);
    const tmp = mkdtempSync(join(tmpdir(), 'mailcluster-secret-'));
    try {
      const envFile = join(tmp, 'secret.env');
      writeFileSync(envFile, execFileSync(process.execPath, [MAILCLUSTER_BIN, 'init'], { encoding: 'utf8' }));
      const made = execFileSync(KUBECTL, ['create', 'secret', 'generic', 'mailcluster-secret', `--from-env-file=${envFile}`, '--dry-run=client', '-o', 'yaml'], { encoding: 'utf8' });
      const secret = parseObjects(made)[0] as K8sObject & { data: Record<string, string> };
      expect(Object.keys(secret.data)).toEqual(['MAILCLUSTER_CLUSTER_SECRET']);
      const value = Buffer.from(secret.data.MAILCLUSTER_CLUSTER_SECRET!, 'base64').toString('utf8');
      const generated = objs.filter((o) => o.kind !== 'Secret').concat({ ...secret, metadata: { name: find(objs, 'Secret', 'mailcluster-secret').metadata.name } });
      expect(loadConfig({ env: podEnvOf(generated, 'mail-0'), purpose: 'node' }).cluster.secret).toBe(value);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('names each container port as the node binds it, one for every port the node binds', () => {
    const config = loadConfig({ env: podEnvOf(objs, 'mail-0'), purpose: 'node' });
    const bound = config.ports as Record<string, number>;
    for (const p of container.ports) expect([p.name, p.containerPort]).toEqual([p.name, bound[p.name]]);
    // A new listener in the schema fails here until the manifests expose it: add it to the
    // ConfigMap, the container ports, mail-public and the NetworkPolicy.
    expect(portNames.slice().sort(), 'container ports vs config ports').toEqual(Object.keys(bound).sort());
  });

  it('Services target existing container ports; clients reach only client ports, internal ports only mail pods', () => {
    for (const svc of objs.filter((o) => o.kind === 'Service' && o.metadata.name.startsWith('mail'))) {
      for (const sp of (svc as any).spec.ports as Array<{ targetPort: string }>) expect(portNames, svc.metadata.name).toContain(sp.targetPort);
    }
    const publicPorts = ((find(objs, 'Service', 'mail-public') as any).spec.ports as Array<{ port: number; targetPort: string }>);
    const clientNames = portNames.filter((n) => !INTERNAL.includes(n));
    expect(publicPorts.map((p) => p.targetPort).sort()).toEqual(clientNames.slice().sort());
    expect(Object.fromEntries(publicPorts.map((p) => [p.targetPort, p.port]))).toMatchObject({ smtp: 25, submissions: 465, submission: 587, imap: 143, imaps: 993, pop3: 110, pop3s: 995 });

    const rules = (find(objs, 'NetworkPolicy', 'mail') as any).spec.ingress as Array<{ from?: unknown[]; ports: Array<{ port: string }> }>;
    const open = rules.filter((r) => !r.from).flatMap((r) => r.ports.map((p) => p.port));
    const restricted = rules.filter((r) => r.from);
    expect(open.sort()).toEqual(clientNames.slice().sort());
    expect(restricted).toHaveLength(1);
    expect(restricted[0]!.from).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mailcluster' } } }]);
    expect(restricted[0]!.ports.map((p) => p.port).sort()).toEqual(INTERNAL.slice().sort());
  });

  it('probes use the admin port; the grace period outlasts the preStop drain; containers are restricted', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    const preStop = (container.lifecycle.preStop.exec.command as string[]).join(' ');
    expect(preStop).toMatch(/mailcluster\.js drain "\$MAILCLUSTER_NODE_NAME" --wait --timeout \d+/);
    const drainSeconds = Number(/--timeout (\d+)/.exec(preStop)![1]);
    // after the drain the kubelet sends SIGTERM: leave the node 30 s to close its listeners and revoke its lease
    expect(mail.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drainSeconds + 30);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(mail.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
  });

  it('spreads the mail pods over Kubernetes nodes and zones, preferring one pod per node', () => {
    const spec = mail.spec.template.spec;
    const selector = { matchLabels: mail.spec.selector.matchLabels };
    const spread = spec.topologySpreadConstraints as Array<{ topologyKey: string; maxSkew: number; labelSelector: unknown; whenUnsatisfiable: string }>;
    expect(spread.map((c) => c.topologyKey).sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const c of spread) {
      expect(c).toMatchObject({ maxSkew: 1, labelSelector: selector });
      expect(c.whenUnsatisfiable).toBe('ScheduleAnyway'); // a cluster smaller than 3 machines still schedules
    }
    const anti = spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution as Array<{ podAffinityTerm: { topologyKey: string; labelSelector: unknown } }>;
    expect(anti.map((t) => t.podAffinityTerm)).toContainEqual({ topologyKey: 'kubernetes.io/hostname', labelSelector: selector });
  });

  it('pins the image to the release (kustomize images), never latest, and uses current kustomize fields', () => {
    const pkg = JSON.parse(readFileSync(join(DEPLOY, '..', 'package.json'), 'utf8')) as { version: string };
    for (const rendered of [objs, external]) {
      const image = mailContainer(rendered).image as string;
      expect(image).toMatch(new RegExp(`:${pkg.version.replace(/\./g, '\\.')}$`));
    }
    for (const dir of ['base', 'etcd', 'overlays/test', 'overlays/external-etcd']) {
      const k = readFileSync(join(DEPLOY, 'kubernetes', dir, 'kustomization.yaml'), 'utf8');
      // deprecated since kustomize v5: `bases` (now resources), `patchesStrategicMerge` (now patches)
      expect(k).not.toMatch(/^(bases|patchesStrategicMerge|patchesJson6902|vars):/m);
    }
  });

  it('the Dockerfile is multi-stage, production-only, non-root, with mailcluster as entry point', () => {
    const df = readFileSync(join(DEPLOY, 'docker', 'Dockerfile'), 'utf8');
    expect(df.match(/^FROM node:24\S* AS \w+$/gm)).toHaveLength(3);
    expect(df).toMatch(/^RUN npm ci --omit=dev/m);
    expect(df).toMatch(/^COPY --from=deps \/app\/node_modules/m);
    expect(df).toMatch(/^USER 10001/m);
    // the image's node runs with the V8 flags the dev cluster and the tests give every node
    expect(df).toMatch(new RegExp(`^ENTRYPOINT \\["node", ${NODE_V8_FLAGS.map((f) => `"${f}"`).join(', ')}, "bin/mailcluster.js"\\]$`, 'm'));
    expect(df).toMatch(/^CMD \["node"\]$/m);
    // the build stage compiles every source directory; the runtime stage takes dist/ and the
    // launcher, not the TypeScript
    for (const d of ['bin', 'src', 'controller', 'worker']) expect(df).toMatch(new RegExp(`^COPY ${d} \\./${d}$`, 'm'));
    expect(df).toMatch(/^RUN npm run build$/m);
    expect(df).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    const runtime = df.slice(df.lastIndexOf('FROM '));
    expect(runtime).not.toMatch(/^COPY (src|controller|worker) /m);
    expect(mail.spec.template.spec.securityContext.runAsUser).toBe(10001);
    expect(container.args).toEqual(['node']);
    // production runs compiled JavaScript: tsx and TypeScript are dev dependencies only
    const pkg = JSON.parse(readFileSync(join(DEPLOY, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.dependencies.typescript).toBeUndefined();
    const ignore = readFileSync(join(DEPLOY, '..', '.dockerignore'), 'utf8');
    for (const line of ['node_modules', '.git', 'test', 'data']) expect(ignore).toMatch(new RegExp(`^${line.replace('.', '\\.')}$`, 'm'));
  });
});
