/**
 * A node's durable spool on the shared root: `queue/<node>/msg/<id>` (the message) and
 * `queue/<node>/env/<id>.json` (the envelope, the commit point).
 *
 * Contract of `accept`: when it resolves, both files are fsynced and their directory entries are on
 * disk — only then may the SMTP server answer 250. A crash before the envelope is renamed into
 * env/ leaves an orphan message that `recover` deletes (the client never got 250).
 *
 * Any live node can process another node's spool (queue takeover): the envelope is the unit of
 * work, updated with per-recipient results through write-temp-fsync-rename.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { fsyncDir, syncHandle, writeFileDurable } from '../util/fsync.ts';

export const recipientSchema = z.object({
  address: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().optional(),
  /** SMTP reply of the final outcome, e.g. "550 5.1.1 …" for a bounce. */
  reply: z.string().optional(),
});
export const envelopeSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/),
  from: z.string(),
  recipients: z.array(recipientSchema).min(1),
  received: z.number(),
  size: z.number().int(),
  /** Where the message came from: inbound (port 25), submission (authenticated) or a bounce. */
  source: z.enum(['inbound', 'submission', 'bounce']),
  authenticatedAs: z.string().optional(),
  attempts: z.number().int(),
  nextAttempt: z.number(),
  /** Attempts that failed only because the cluster was unavailable: they do not grow the backoff. */
  outageAttempts: z.number().int().optional(),
  /** The last attempt failed only because the cluster was unavailable: retry once it is back. */
  waitsForCluster: z.boolean().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;
export type RecipientState = z.infer<typeof recipientSchema>;

/** The envelope of a newly accepted message: every recipient pending, first attempt now. */
export function newEnvelope(from: string, recipients: string[], source: Envelope['source'], authenticatedAs?: string): Omit<Envelope, 'id' | 'size'> {
  const now = Date.now();
  return {
    from,
    recipients: recipients.map((address) => ({ address, state: 'pending', attempts: 0 })),
    received: now,
    source,
    ...(authenticatedAs ? { authenticatedAs } : {}),
    attempts: 0,
    nextAttempt: now,
  };
}

export function newQueueId(): string {
  return `${Date.now().toString(36)}${randomBytes(6).toString('base64url').replace(/[-_]/g, 'x')}`;
}

export class Spool {
  readonly msgDir: string;
  readonly envDir: string;

  constructor(readonly root: string, readonly node: string) {
    const base = join(root, 'queue', node);
    this.msgDir = join(base, 'msg');
    this.envDir = join(base, 'env');
  }

  async init(): Promise<void> {
    await mkdir(this.msgDir, { recursive: true });
    await mkdir(this.envDir, { recursive: true });
  }

  messagePath(id: string): string { return join(this.msgDir, id); }
  private envelopePath(id: string): string { return join(this.envDir, `${id}.json`); }

  /**
   * Writes `header` then the stream to msg/<id>, fsyncs, then commits the envelope.
   * Rejects (and removes the partial file) if the stream errors or exceeds `maxBytes`.
   */
  async accept(id: string, header: string, body: Readable, envelope: Omit<Envelope, 'id' | 'size'>, maxBytes: number): Promise<Envelope> {
    const path = this.messagePath(id);
    const h = await open(path, 'wx', 0o640);
    let size = 0;
    try {
      const head = Buffer.from(header);
      await h.write(head);
      size += head.length;
      for await (const chunk of body) {
        const b = chunk as Buffer;
        size += b.length;
        if (size > maxBytes + head.length) throw new Error('message too big');
        await h.write(b);
      }
      await syncHandle(h, path);
    } catch (err) {
      await h.close().catch(() => undefined);
      await rm(path, { force: true });
      throw err;
    }
    await h.close();
    const env: Envelope = envelopeSchema.parse({ ...envelope, id, size });
    await writeFileDurable(this.envelopePath(id), JSON.stringify(env));
    await fsyncDir(this.msgDir);
    return env;
  }

  /** Persists updated per-recipient state (durable when it resolves). */
  async update(env: Envelope): Promise<void> {
    await writeFileDurable(this.envelopePath(env.id), JSON.stringify(envelopeSchema.parse(env)));
  }

  /** Removes a finished message: envelope first, so a crash never leaves an envelope without data. */
  async finish(id: string): Promise<void> {
    await rm(this.envelopePath(id), { force: true });
    await rm(this.messagePath(id), { force: true });
    await fsyncDir(this.envDir);
  }

  async read(id: string): Promise<Buffer> { return readFile(this.messagePath(id)); }

  /** Every committed envelope; deletes orphan messages older than `orphanAgeMs` and unreadable envelopes' temp files. */
  async recover(orphanAgeMs = 10 * 60_000): Promise<Envelope[]> {
    const out = await this.envelopesExcept(() => false);
    const ids = new Set(out.map((e) => e.id));
    for (const name of await readdir(this.msgDir).catch(() => [] as string[])) {
      if (ids.has(name)) continue;
      const st = await stat(join(this.msgDir, name)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > orphanAgeMs) await rm(join(this.msgDir, name), { force: true });
    }
    return out;
  }

  /**
   * The committed envelopes, oldest first, except those whose id `known` accepts (read only the
   * rest): lets the node that took this spool over see envelopes its owner committed after the
   * takeover. Touches no message file.
   */
  async envelopesExcept(known: (id: string) => boolean): Promise<Envelope[]> {
    const out: Envelope[] = [];
    for (const name of await readdir(this.envDir).catch(() => [] as string[])) {
      if (!name.endsWith('.json') || known(name.slice(0, -'.json'.length))) continue;
      try {
        out.push(envelopeSchema.parse(JSON.parse(await readFile(join(this.envDir, name), 'utf8'))));
      } catch {
        // A torn write cannot happen (rename is atomic); an unparsable file is foreign (or was
        // finished while being read): leave it.
      }
    }
    return out.sort((a, b) => a.received - b.received);
  }
}
