/**
 * Client-facing TLS credentials: the configured PEM files, or a self-signed pair generated at
 * start (logged as a warning: fine for tests and `mailcluster dev`, not for production).
 *
 * A `TlsSource` is what every client listener reads its certificate from (SMTP 25/587/465, IMAP
 * STARTTLS and 993, POP3 STLS and 995). With configured files it watches them: a change seen by
 * fs.watch on their directories (which also sees a Kubernetes Secret's symlink swap), or by a
 * periodic stat as the fallback, is debounced and then the pair is loaded again. A pair that
 * does not load (unreadable, not PEM, key not matching the certificate) is logged and the old
 * one kept; the next change is tried again. Every listener is told of a new pair and uses it for
 * the next handshake; established sessions keep theirs. No protocol version below TLS 1.2.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { generate } from 'selfsigned';
import type { Config } from '../src/config/schema.ts';
import type { Logger } from '../src/log/logger.ts';

/** The oldest protocol any client listener accepts (RFC 8996 deprecates TLS 1.0 and 1.1). */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;

export interface TlsPair { key: string; cert: string }

/** What a listener needs: the pair and context for the next handshake, and news of a new pair. */
export interface TlsProvider {
  pair(): TlsPair;
  /** A context built from pair() with MIN_TLS_VERSION: for sockets upgraded by STARTTLS/STLS. */
  context(): SecureContext;
  /** Calls fn after every successful reload; returns the unsubscribe function. */
  onChange(fn: (pair: TlsPair) => void): () => void;
}

/** Options for a tls.Server or smtp-server built from a pair. */
export function serverTlsOptions(p: TlsPair): { key: string; cert: string; minVersion: typeof MIN_TLS_VERSION } {
  return { key: p.key, cert: p.cert, minVersion: MIN_TLS_VERSION };
}

/** A provider over a pair that never changes (protocol tests). */
export function fixedTls(p: TlsPair): TlsProvider {
  const ctx = createSecureContext(serverTlsOptions(p));
  return { pair: () => p, context: () => ctx, onChange: () => () => undefined };
}

/** Accepts a provider or a bare pair. */
export function asTlsProvider(t: TlsProvider | TlsPair): TlsProvider {
  return 'context' in t ? t : fixedTls(t);
}

export interface TlsSourceOptions {
  certFile: string;
  keyFile: string;
  /** The stat fallback's period. */
  checkIntervalMs: number;
  /** Quiet time after the last change before the pair is read (writers replace two files). */
  debounceMs: number;
  /** false: the stat check alone (tests of the fallback); default true. */
  fsWatch?: boolean;
  log: Logger;
}

export class TlsSource implements TlsProvider {
  private current: TlsPair;
  private ctx: SecureContext;
  private readonly listeners = new Set<(pair: TlsPair) => void>();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  /** stat signature of both files when last read (loaded or refused): a fallback tick compares it. */
  private seen = '';
  private reloading: Promise<void> = Promise.resolve();

  private constructor(pair: TlsPair, private readonly o: TlsSourceOptions | undefined) {
    this.current = pair;
    this.ctx = createSecureContext(serverTlsOptions(pair));
  }

  /** Loads the files (rejects when they do not form a usable pair), then watches them. */
  static async fromFiles(o: TlsSourceOptions): Promise<TlsSource> {
    const seen = await signature(o.certFile, o.keyFile);
    const src = new TlsSource(await readPair(o.certFile, o.keyFile), o);
    src.seen = seen;
    src.watch();
    return src;
  }

  /** A source that never reloads. */
  static fixed(pair: TlsPair): TlsSource {
    return new TlsSource(pair, undefined);
  }

  pair(): TlsPair { return this.current; }
  context(): SecureContext { return this.ctx; }

  onChange(fn: (pair: TlsPair) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** Stops watching; the current pair stays usable. */
  close(): void {
    for (const w of this.watchers.splice(0)) w.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }

  private watch(): void {
    const o = this.o!;
    for (const dir of o.fsWatch === false ? [] : new Set([dirname(o.certFile), dirname(o.keyFile)])) {
      try {
        const w = watch(dir, { persistent: false }, () => this.changed());
        w.on('error', (err) => o.log.warn({ err, dir }, 'tls watch failed; relying on the periodic check'));
        this.watchers.push(w);
      } catch (err) {
        o.log.warn({ err, dir }, 'tls watch failed; relying on the periodic check');
      }
    }
    this.timer = setInterval(() => {
      void signature(o.certFile, o.keyFile).then((s) => s !== this.seen && this.changed(), () => undefined);
    }, o.checkIntervalMs);
    this.timer.unref();
  }

  private changed(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => (this.reloading = this.reloading.then(() => this.reload())), this.o!.debounceMs);
    this.debounce.unref();
  }

  private async reload(): Promise<void> {
    const o = this.o!;
    let pair: TlsPair;
    try {
      this.seen = await signature(o.certFile, o.keyFile);
      pair = await readPair(o.certFile, o.keyFile);
    } catch (err) {
      o.log.error({ err, certFile: o.certFile, keyFile: o.keyFile }, 'tls reload failed; keeping the current certificate');
      return;
    }
    if (pair.cert === this.current.cert && pair.key === this.current.key) return;
    this.current = pair;
    this.ctx = createSecureContext(serverTlsOptions(pair));
    o.log.info({ certFile: o.certFile }, 'tls certificate reloaded');
    for (const fn of this.listeners) {
      try {
        fn(pair);
      } catch (err) {
        o.log.error({ err }, 'tls listener update failed');
      }
    }
  }
}

/** Reads the pair and proves it usable (createSecureContext throws on a bad or mismatched pair). */
async function readPair(certFile: string, keyFile: string): Promise<TlsPair> {
  const pair = { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  createSecureContext(serverTlsOptions(pair));
  return pair;
}

async function signature(...files: string[]): Promise<string> {
  const parts = await Promise.all(files.map(async (f) => stat(f).then((s) => `${s.ino}:${s.size}:${s.mtimeMs}`, () => 'missing')));
  return parts.join('|');
}

/** The configured pair, watched for changes; or a self-signed pair made now. */
export async function loadTls(config: Readonly<Config>, log: Logger): Promise<TlsSource> {
  if (config.tls.certFile && config.tls.keyFile) {
    return TlsSource.fromFiles({ certFile: config.tls.certFile, keyFile: config.tls.keyFile, checkIntervalMs: config.tls.reloadCheckMs, debounceMs: 200, log });
  }
  const name = config.smtp.hostname || config.node.name;
  const pems = await generate([{ name: 'commonName', value: name }], { keyType: 'ec', curve: 'P-256' });
  log.warn({ reason: 'tls.certFile and tls.keyFile are not set' }, 'using a self-signed TLS certificate');
  return TlsSource.fixed({ key: pems.private, cert: pems.cert });
}
