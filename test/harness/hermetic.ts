/**
 * Runs in every test worker before any test file: the suite sees none of the developer's own
 * mailcluster settings. Every MAILCLUSTER_* variable is removed from this process (children
 * inherit the result), so a config exported in the shell — or a dev cluster's MAILCLUSTER_CONFIG —
 * can neither change what a test checks nor point a test's CLI at a running cluster.
 */
for (const name of Object.keys(process.env)) {
  if (name.startsWith('MAILCLUSTER_')) delete process.env[name];
}
