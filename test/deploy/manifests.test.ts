/**
 * The Kubernetes manifests: the overlay renders, every object validates against the Kubernetes
 * API schemas (kubernetes-models), every MAILCLUSTER_* variable they set is one the config schema
 * knows and the whole environment loads as a node config, every named port is the port the node
 * binds for it, probes hit the paths the admin server serves, and the Dockerfile is built as the
 * manifests expect (non-root, production dependencies, the mailcluster entry point).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envKeys } from '../../src/config/env.ts';
import { loadConfig } from '../../src/config/loader.ts';
import { DEPLOY, find, podEnvOf, render, type K8sObject } from './render.ts';

const objs = render();
const mail = find(objs, 'StatefulSet', 'mail') as K8sObject & { spec: any };
const container = mail.spec.template.spec.containers[0];

const podEnv = (pod: string): Record<string, string> => podEnvOf(objs, pod);

async function modelFor(o: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const mod = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  return mod[o.kind]!;
}

describe('Kubernetes manifests', () => {
  it('render from the test overlay with every part the deployment needs', () => {
    const kinds = objs.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();
    expect(kinds).toEqual([
      'ConfigMap/mailcluster-config', 'Namespace/mailcluster-test', 'NetworkPolicy/etcd', 'NetworkPolicy/mail', 'PersistentVolumeClaim/mail-shared',
      'PodDisruptionBudget/etcd', 'PodDisruptionBudget/mail', 'Secret/mailcluster-secret', 'Service/etcd', 'Service/mail', 'Service/mail-admin', 'Service/mail-public',
      'StatefulSet/etcd', 'StatefulSet/mail',
    ]);
    expect(mail.spec).toMatchObject({ replicas: 3, podManagementPolicy: 'Parallel', serviceName: 'mail' });
    expect(find(objs, 'Service', 'mail')).toMatchObject({ spec: { clusterIP: 'None' } });
    expect(find(objs, 'PersistentVolumeClaim', 'mail-shared')).toMatchObject({ spec: { accessModes: ['ReadWriteMany'] } });
    expect(find(objs, 'Service', 'mail-public')).toMatchObject({ spec: { externalTrafficPolicy: 'Local' } });
  });

  it('every object validates against the Kubernetes API schemas', async () => {
    for (const o of objs) {
      const Model = await modelFor(o);
      expect(() => new Model(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
    // and the validator does reject a broken object
    const Model = await modelFor(mail);
    expect(() => new Model({ ...mail, spec: { ...mail.spec, replicas: 'three' } }).validate()).toThrow();
  });

  it('sets only variables the config schema knows, and the environment loads as a node config', () => {
    const known = new Set(envKeys().map((k) => k.name));
    const env = podEnv('mail-1');
    const unknown = Object.keys(env).filter((n) => n.startsWith('MAILCLUSTER_') && !known.has(n));
    expect(unknown).toEqual([]);
    expect(Object.keys(env).filter((n) => !n.startsWith('MAILCLUSTER_'))).toEqual(['POD_NAMESPACE']);
    const config = loadConfig({ env, purpose: 'node' });
    expect(config.node.name).toBe('mail-1');
    expect(config.node.advertiseAddress).toBe('mail-1.mail.mailcluster-test.svc.cluster.local');
    expect(config.cluster.secret.length).toBeGreaterThanOrEqual(32);
    expect(config.node.undrainOnStart).toBe(true);
  });

  it('names each port as the node binds it, and Services target named ports that exist', () => {
    const config = loadConfig({ env: podEnv('mail-0'), purpose: 'node' });
    const ports = container.ports as Array<{ name: string; containerPort: number }>;
    for (const p of ports) expect([p.name, p.containerPort]).toEqual([p.name, (config.ports as Record<string, number>)[p.name]]);
    expect(ports.map((p) => p.name).sort()).toEqual(Object.keys(config.ports).sort());
    for (const svc of objs.filter((o) => o.kind === 'Service' && o.metadata.name.startsWith('mail'))) {
      for (const sp of (svc as any).spec.ports as Array<{ targetPort: string }>) expect(ports.map((p) => p.name)).toContain(sp.targetPort);
    }
  });

  it('probes use /healthz and /readyz on the admin port; preStop drains the pod by its name', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    expect(container.lifecycle.preStop.exec.command.join(' ')).toMatch(/mailcluster\.js drain "\$MAILCLUSTER_NODE_NAME" --wait --timeout (\d+)/);
    const drainTimeout = Number(/--timeout (\d+)/.exec(container.lifecycle.preStop.exec.command.join(' '))![1]);
    expect(mail.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(drainTimeout - 150); // overlay shortens it for tests
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(mail.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
  });

  it('the Dockerfile is multi-stage, production-only, non-root, with mailcluster as entry point', () => {
    const df = readFileSync(join(DEPLOY, 'docker', 'Dockerfile'), 'utf8');
    expect(df.match(/^FROM node:24/gm)).toHaveLength(2);
    expect(df).toMatch(/npm ci --omit=dev/);
    expect(df).toMatch(/^USER 10001/m);
    expect(df).toMatch(/^ENTRYPOINT \["node", "bin\/mailcluster.js"\]/m);
    expect(mail.spec.template.spec.securityContext.runAsUser).toBe(10001);
    const ignore = readFileSync(join(DEPLOY, '..', '.dockerignore'), 'utf8');
    expect(ignore).toMatch(/^node_modules$/m);
  });
});
