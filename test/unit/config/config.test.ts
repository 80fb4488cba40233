import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../../../src/config/loader.ts';
import { envKeys } from '../../../src/config/env.ts';

const secret = 'k'.repeat(40);
const base = {
  MAILCLUSTER_CLUSTER_SECRET: secret,
  MAILCLUSTER_NODE_NAME: 'mail-0',
  MAILCLUSTER_CLUSTER_CA_FILE: '/pki/ca.crt',
  MAILCLUSTER_CLUSTER_CERT_FILE: '/pki/mail-0.crt',
  MAILCLUSTER_CLUSTER_KEY_FILE: '/pki/mail-0.key',
};

function problems(env: Record<string, string>, purpose: 'node' | 'client' = 'node'): string[] {
  try {
    loadConfig({ env, purpose });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('config', () => {
  it('refuses to run a node without the cluster CA and its certificate, naming what is missing', () => {
    const { MAILCLUSTER_CLUSTER_CERT_FILE: _cert, ...withoutCert } = base;
    expect(problems(withoutCert)).toEqual([expect.stringMatching(/^cluster\.caFile, cluster\.certFile and cluster\.keyFile: .*mailcluster init --tls-dir/)]);
    expect(problems(withoutCert, 'client')).toEqual([]);
  });

  it('loads defaults and MAILCLUSTER_* variables, typed and frozen', () => {
    const c = loadConfig({ env: { ...base, MAILCLUSTER_LEASE_TTL_SECONDS: '20', MAILCLUSTER_ETCD_ENDPOINTS: 'http://a:2379, http://b:2379', MAILCLUSTER_NODE_ROLE: 'backend' } });
    expect(c.lease.ttlSeconds).toBe(20);
    expect(c.etcd.endpoints).toEqual(['http://a:2379', 'http://b:2379']);
    expect(c.node.role).toBe('backend');
    expect(c.ports.rpc).toBe(7400);
    expect(Object.isFrozen(c.lease)).toBe(true);
  });

  it('PROXY protocol is off by default; trusted entries must be addresses or CIDR blocks', () => {
    expect(loadConfig({ env: base }).proxyProtocol).toMatchObject({ trusted: [], headerTimeoutMs: 5000 });
    const c = loadConfig({ env: { ...base, MAILCLUSTER_PROXY_PROTOCOL_TRUSTED: '10.0.0.0/8, 127.0.0.1, fd00::/8', MAILCLUSTER_PROXY_PROTOCOL_LISTENERS: 'imap,smtp' } });
    expect(c.proxyProtocol.trusted).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    expect(c.proxyProtocol.listeners).toEqual(['imap', 'smtp']);
    const p = problems({ ...base, MAILCLUSTER_PROXY_PROTOCOL_TRUSTED: '10.0.0.0/33,lb.example.com', MAILCLUSTER_PROXY_PROTOCOL_LISTENERS: 'lmtp' });
    expect(p.filter((x) => x.startsWith('proxyProtocol.trusted'))).toHaveLength(2);
    expect(p.some((x) => x.startsWith('proxyProtocol.listeners'))).toBe(true);
  });

  it('reports every problem at once', () => {
    const p = problems({
      MAILCLUSTER_NODE_NAME: 'Mail_0',
      MAILCLUSTER_LEASE_TTL_SECONDS: 'ten',
      MAILCLUSTER_NODE_ROLE: 'boss',
      MAILCLUSTER_NO_SUCH_THING: '1',
    });
    expect(p.some((x) => x.includes('MAILCLUSTER_LEASE_TTL_SECONDS'))).toBe(true);
    expect(p.some((x) => x.includes('MAILCLUSTER_NO_SUCH_THING: unknown setting'))).toBe(true);
    expect(p.some((x) => x.startsWith('node.name'))).toBe(true);
    expect(p.some((x) => x.startsWith('node.role'))).toBe(true);
  });

  it('checks lease TTL against keep-alive interval and safety margin', () => {
    expect(problems({ ...base, MAILCLUSTER_LEASE_TTL_SECONDS: '3', MAILCLUSTER_LEASE_SAFETY_MARGIN_MS: '3000' }).join()).toMatch(/safetyMarginMs/);
    expect(problems({ ...base, MAILCLUSTER_LEASE_TTL_SECONDS: '3', MAILCLUSTER_LEASE_SAFETY_MARGIN_MS: '1000', MAILCLUSTER_LEASE_KEEP_ALIVE_INTERVAL_MS: '1000' }).join()).toMatch(/keepAliveIntervalMs/);
    expect(problems({ ...base, MAILCLUSTER_LEASE_TTL_SECONDS: '3', MAILCLUSTER_LEASE_SAFETY_MARGIN_MS: '1000', MAILCLUSTER_LEASE_KEEP_ALIVE_INTERVAL_MS: '500' })).toEqual([]);
  });

  it('requires the secret to run a node, not for client tools', () => {
    expect(problems({ MAILCLUSTER_NODE_NAME: 'mail-0' }).join()).toMatch(/cluster.secret/);
    expect(problems({ MAILCLUSTER_NODE_NAME: 'mail-0' }, 'client')).toEqual([]);
  });

  it('redacts secrets for printing', () => {
    const c = loadConfig({ env: base });
    expect(JSON.stringify(redactConfig(c))).not.toContain(secret);
    expect(redactConfig(c).cluster.secret).toBe('<redacted>');
  });

  it('derives one environment variable per setting', () => {
    const names = envKeys().map((k) => k.name);
    expect(names).toContain('MAILCLUSTER_LEASE_KEEP_ALIVE_INTERVAL_MS');
    expect(names).toContain('MAILCLUSTER_ETCD_ENDPOINTS');
    expect(new Set(names).size).toBe(names.length);
  });
});
