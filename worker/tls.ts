/**
 * Client-facing TLS credentials: the configured PEM files, or a self-signed pair generated at
 * start (logged as a warning: fine for tests and `mailcluster dev`, not for production).
 */
import { readFile } from 'node:fs/promises';
import { generate } from 'selfsigned';
import type { Config } from '../src/config/schema.ts';
import type { Logger } from '../src/log/logger.ts';

export interface TlsCredentials { key: string; cert: string; selfSigned: boolean }

export async function loadTls(config: Readonly<Config>, log: Logger): Promise<TlsCredentials> {
  if (config.tls.certFile && config.tls.keyFile) {
    return { cert: await readFile(config.tls.certFile, 'utf8'), key: await readFile(config.tls.keyFile, 'utf8'), selfSigned: false };
  }
  const name = config.smtp.hostname || config.node.name;
  const pems = await generate([{ name: 'commonName', value: name }], { keyType: 'ec', curve: 'P-256' });
  log.warn({ reason: 'tls.certFile and tls.keyFile are not set' }, 'using a self-signed TLS certificate');
  return { key: pems.private, cert: pems.cert, selfSigned: true };
}
