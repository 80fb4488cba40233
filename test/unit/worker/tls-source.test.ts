/**
 * TlsSource on real files: the periodic stat check alone (fs.watch off) picks up a replaced pair;
 * a pair that does not load is logged and the old one kept; a start with a bad pair fails loudly;
 * listeners hear of each new pair once; close() stops the checks; fs.watch alone sees the
 * kubelet's way of updating a mounted Secret (files are symlinks through `..data`, which is
 * swapped by a rename).
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { TlsSource } from '../../../worker/tls.ts';
import type { Logger } from '../../../src/log/logger.ts';

const dirs: string[] = [];
const sources: TlsSource[] = [];
afterEach(() => {
  for (const s of sources.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function pair(cn: string): Promise<{ cert: string; key: string }> {
  const p = await generate([{ name: 'commonName', value: cn }], { keyType: 'ec', curve: 'P-256' });
  return { cert: p.cert, key: p.private };
}

function files(p: { cert: string; key: string }): { certFile: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tls-source-'));
  dirs.push(dir);
  const f = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
  writeFileSync(f.certFile, p.cert);
  writeFileSync(f.keyFile, p.key);
  return f;
}

function logger(): { log: Logger; lines: Array<{ msg: string }> } {
  const lines: Array<{ msg: string }> = [];
  const stream = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(JSON.parse(chunk.toString()) as { msg: string }), cb()) });
  return { log: pino({ level: 'info' }, stream) as unknown as Logger, lines };
}

const until = async (f: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('TlsSource', () => {
  it('the stat check alone picks up a replaced pair, tells listeners once, and keeps the old pair while the new one is broken', async () => {
    const a = await pair('a.test');
    const b = await pair('b.test');
    const f = files(a);
    const { log, lines } = logger();
    const src = await TlsSource.fromFiles({ ...f, checkIntervalMs: 100, debounceMs: 20, fsWatch: false, log });
    sources.push(src);
    const heard: string[] = [];
    src.onChange((p) => heard.push(p.cert));
    expect(src.pair().cert).toBe(a.cert);

    // certificate replaced, key not yet: refused, logged, old pair kept
    writeFileSync(f.certFile, b.cert);
    await until(() => lines.some((l) => l.msg === 'tls reload failed; keeping the current certificate'));
    expect(src.pair()).toEqual(a);
    expect(heard).toEqual([]);

    writeFileSync(f.keyFile, b.key);
    await until(() => heard.length > 0);
    expect(src.pair()).toEqual(b);
    await new Promise((r) => setTimeout(r, 300));
    expect(heard).toEqual([b.cert]);
    expect(lines.filter((l) => l.msg === 'tls certificate reloaded')).toHaveLength(1);
  });

  it('sees a Kubernetes Secret update (the ..data symlink swapped) through fs.watch, long before the stat check', async () => {
    const a = await pair('a.test');
    const b = await pair('b.test');
    const dir = mkdtempSync(join(tmpdir(), 'tls-secret-'));
    dirs.push(dir);
    const version = (name: string, p: { cert: string; key: string }): void => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'tls.crt'), p.cert);
      writeFileSync(join(dir, name, 'tls.key'), p.key);
      symlinkSync(name, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    version('..2026_12_07_a', a);
    symlinkSync('..data/tls.crt', join(dir, 'tls.crt'));
    symlinkSync('..data/tls.key', join(dir, 'tls.key'));
    const src = await TlsSource.fromFiles({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), checkIntervalMs: 60_000, debounceMs: 50, log: logger().log });
    sources.push(src);
    expect(src.pair()).toEqual(a);
    const started = Date.now();
    version('..2026_12_07_b', b);
    await until(() => src.pair().cert === b.cert, 3000);
    expect(src.pair()).toEqual(b);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('does not start with a pair that does not load', async () => {
    const a = await pair('a.test');
    const b = await pair('b.test');
    const f = files({ cert: a.cert, key: b.key });
    await expect(TlsSource.fromFiles({ ...f, checkIntervalMs: 100, debounceMs: 20, log: logger().log })).rejects.toThrow(/key values mismatch/);
    writeFileSync(f.certFile, 'not a certificate');
    await expect(TlsSource.fromFiles({ ...f, checkIntervalMs: 100, debounceMs: 20, log: logger().log })).rejects.toThrow();
  });

  it('after close() a replaced pair is not loaded', async () => {
    const a = await pair('a.test');
    const f = files(a);
    const src = await TlsSource.fromFiles({ ...f, checkIntervalMs: 50, debounceMs: 10, log: logger().log });
    src.close();
    const b = await pair('b.test');
    writeFileSync(f.certFile, b.cert);
    writeFileSync(f.keyFile, b.key);
    await new Promise((r) => setTimeout(r, 300));
    expect(src.pair()).toEqual(a);
  });
});
