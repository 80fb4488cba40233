/**
 * Hermetic tests: each vitest worker drops the caller's MAILCLUSTER_* variables before any test
 * file loads, so neither a tested process nor a CLI run by a test reads the developer's cluster
 * (an exported MAILCLUSTER_CONFIG from `npm start`, say). MAILCLUSTER_ETCD_BIN stays: it only says
 * where the etcd binary is.
 */
for (const k of Object.keys(process.env)) {
  if (k.startsWith('MAILCLUSTER_') && k !== 'MAILCLUSTER_ETCD_BIN') delete process.env[k];
}
