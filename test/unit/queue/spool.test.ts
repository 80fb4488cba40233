/**
 * The spool's durability contract with every fsync held in process (setFsyncGate): `accept`
 * resolves only after the message file, the envelope, and both directories were fsynced, in that
 * order; `update` only after the envelope's; a message over the limit leaves nothing; `finish`
 * removes envelope and message; `recover` returns committed envelopes and removes only old orphans.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { newEnvelope, newQueueId, Spool } from '../../../src/queue/spool.ts';
import { setFsyncGate } from '../../../src/util/fsync.ts';

const root = mkdtempSync(join(tmpdir(), 'mailcluster-spool-'));
afterEach(() => setFsyncGate());
afterAll(() => rmSync(root, { recursive: true, force: true }));

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs `action` with every fsync held; releases them one by one, checking it has not settled. */
async function stepped<T>(action: () => Promise<T>): Promise<{ value: T; synced: string[] }> {
  const pending: Array<{ path: string; release: () => void }> = [];
  setFsyncGate((path) => new Promise<void>((release) => pending.push({ path, release })));
  let settled = false;
  const p = action().finally(() => (settled = true));
  p.catch(() => undefined);
  const synced: string[] = [];
  while (!settled) {
    for (const until = Date.now() + 5000; pending.length === 0 && !settled && Date.now() < until; ) await new Promise((r) => setTimeout(r, 1));
    if (settled) break;
    const next = pending.shift();
    if (!next) throw new Error('neither settled nor waiting on an fsync');
    for (let i = 0; i < 5; i++) await turn(); // time to answer early, if it would
    expect(settled, `settled while the fsync of ${next.path} was held`).toBe(false);
    synced.push(next.path);
    next.release();
  }
  setFsyncGate();
  return { value: await p, synced };
}

async function spool(): Promise<Spool> {
  const s = new Spool(root, `node-${Math.random().toString(36).slice(2)}`);
  await s.init();
  return s;
}

describe('Spool', () => {
  it('accept resolves only after the message, its envelope and both directories are fsynced', async () => {
    const s = await spool();
    const id = newQueueId();
    const env = newEnvelope('a@remote.test', ['u@example.test'], 'inbound');
    const { value, synced } = await stepped(() => s.accept(id, 'Received: x\r\n', Readable.from([Buffer.from('Subject: hi\r\n\r\nbody\r\n')]), env, 1000));
    expect(synced).toEqual([s.messagePath(id), join(s.envDir, `${id}.json.tmp`), s.envDir, s.msgDir]);
    expect(value).toMatchObject({ id, size: 'Received: x\r\n'.length + 'Subject: hi\r\n\r\nbody\r\n'.length, from: 'a@remote.test' });
    expect(await s.recover()).toEqual([value]);
    expect((await s.read(id)).toString()).toBe('Received: x\r\nSubject: hi\r\n\r\nbody\r\n');
  });

  it('update resolves only after the new envelope is fsynced', async () => {
    const s = await spool();
    const id = newQueueId();
    const env = await s.accept(id, '', Readable.from([Buffer.from('x\r\n')]), newEnvelope('a@remote.test', ['u@example.test'], 'inbound'), 1000);
    const next = { ...env, attempts: 1 };
    const { synced } = await stepped(() => s.update(next));
    expect(synced).toEqual([join(s.envDir, `${id}.json.tmp`), s.envDir]);
    expect(await s.recover()).toEqual([next]);
  });

  it('a message over the limit is refused and leaves no file', async () => {
    const s = await spool();
    const id = newQueueId();
    await expect(s.accept(id, 'H: 1\r\n', Readable.from([Buffer.alloc(11, 120)]), newEnvelope('a@remote.test', ['u@example.test'], 'inbound'), 10)).rejects.toThrow();
    expect(readdirSync(s.msgDir)).toEqual([]);
    expect(readdirSync(s.envDir)).toEqual([]);
    // exactly at the limit is accepted
    await expect(s.accept(newQueueId(), 'H: 1\r\n', Readable.from([Buffer.alloc(10, 120)]), newEnvelope('a@remote.test', ['u@example.test'], 'inbound'), 10)).resolves.toMatchObject({ size: 16 });
  });

  it('finish removes envelope and message; recover keeps young orphans and removes old ones', async () => {
    const s = await spool();
    const id = newQueueId();
    await s.accept(id, '', Readable.from([Buffer.from('x\r\n')]), newEnvelope('a@remote.test', ['u@example.test'], 'inbound'), 1000);
    await s.finish(id);
    expect(existsSync(s.messagePath(id))).toBe(false);
    expect(await s.recover()).toEqual([]);
    writeFileSync(s.messagePath('young'), 'x');
    writeFileSync(s.messagePath('old'), 'x');
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(s.messagePath('old'), hourAgo, hourAgo);
    writeFileSync(join(s.envDir, 'foreign.json'), 'not json');
    expect(await s.recover(60_000)).toEqual([]);
    expect(readdirSync(s.msgDir).sort()).toEqual(['young']);
    expect(existsSync(join(s.envDir, 'foreign.json'))).toBe(true);
  });

  it('recover returns envelopes oldest first', async () => {
    const s = await spool();
    const a = await s.accept(newQueueId(), '', Readable.from([Buffer.from('a\r\n')]), { ...newEnvelope('a@remote.test', ['u@example.test'], 'inbound'), received: 2000 }, 1000);
    const b = await s.accept(newQueueId(), '', Readable.from([Buffer.from('b\r\n')]), { ...newEnvelope('a@remote.test', ['u@example.test'], 'inbound'), received: 1000 }, 1000);
    expect((await s.recover()).map((e) => e.id)).toEqual([b.id, a.id]);
  });
});
