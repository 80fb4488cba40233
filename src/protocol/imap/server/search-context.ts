/**
 * Search contexts (CONTEXT=SEARCH / CONTEXT=SORT, RFC 5267 §4): a SEARCH or SORT sent with
 * `RETURN (UPDATE …)` stays live until CANCELUPDATE, or until the mailbox is closed or another is
 * selected. After every command and IDLE wake-up (once the mailbox's own updates are sent, so the
 * numbers below are valid) the session refreshes its contexts and sends one
 *   `* ESEARCH (TAG "t") [UID] REMOVEFROM (pos set …) ADDTO (pos set …)`
 * per context whose result changed, whoever caused the change (this session, another, a delivery).
 *
 * Contracts:
 * - SEARCH contexts use position 0 (RFC 5267 §4.3: "may be 0 for SEARCH result additions") and one
 *   set per direction. SORT contexts give real 1-based positions: REMOVEFROM runs are positions in
 *   the previous result, highest run first (each stays valid when applied in order); ADDTO runs are
 *   positions in the new result, lowest first (each is valid once the earlier ones are inserted).
 * - Expunged messages are removed (REMOVEFROM) just before their EXPUNGE / VANISHED, while their
 *   message numbers are still valid, in UID and message-number contexts alike (as Dovecot does).
 * - The updates cover the whole result, PARTIAL or not; MIN / MAX / COUNT are not resent.
 * - A message is re-evaluated only when its stored info changed (flags, modseq), unless the
 *   criteria name message numbers or UIDs (`*` moves): then every message is. Sort keys
 *   (arrival, size, headers) never change, so they are computed once per message.
 * - At most MAX_CONTEXTS per session; beyond, the command answers with `* NO [NOUPDATE "tag"]`.
 */
import { serverWriter } from '../response.ts';
import { compressUids, formatSequenceSet, rangesInOrder } from '../sequence-set.ts';
import type { SearchKey, SortCriterion } from '../types.ts';
import type { ImapMessage } from './hooks.ts';
import type { MailboxView } from './mailbox-view.ts';
import { keyValues, type KeyValue } from './commands/sort.ts';
import { matchMessage } from './commands/search.ts';

export const MAX_CONTEXTS = 16;

interface Context {
  readonly tag: string;
  readonly uid: boolean;
  readonly view: MailboxView;
  readonly key: SearchKey;
  readonly sort: readonly SortCriterion[] | undefined;
  readonly positional: boolean;
  /** The info each message had when last evaluated, and whether it matched. */
  readonly evaluated: Map<number, { info: ImapMessage; hit: boolean }>;
  readonly sortKeys: Map<number, KeyValue[]>;
  /** UIDs of the result, in result order. */
  result: number[];
}

/** Whether `key` depends on message numbers or on the highest UID. */
function positional(key: SearchKey): boolean {
  switch (key.key) {
    case 'SEQ': case 'UID': return true;
    case 'NOT': return positional(key.operand);
    case 'OR': return positional(key.left) || positional(key.right);
    case 'AND': return key.operands.some(positional);
    default: return false;
  }
}

export class SearchContexts {
  private readonly contexts = new Map<string, Context>();

  get size(): number { return this.contexts.size; }
  has(tag: string): boolean { return this.contexts.has(tag); }

  /**
   * Starts updating the result of command `tag` (UIDs in result order, as just sent). False when
   * the session has MAX_CONTEXTS already (the caller sends NOUPDATE). A tag in use is replaced.
   */
  async add(o: { tag: string; uid: boolean; view: MailboxView; key: SearchKey; sort?: readonly SortCriterion[]; sortKeys?: Map<number, KeyValue[]>; result: readonly number[] }): Promise<boolean> {
    if (!this.contexts.has(o.tag) && this.contexts.size >= MAX_CONTEXTS) return false;
    const ctx: Context = { tag: o.tag, uid: o.uid, view: o.view, key: o.key, sort: o.sort, positional: positional(o.key), evaluated: new Map(), sortKeys: o.sortKeys ?? new Map(), result: [...o.result] };
    const hits = new Set(o.result);
    for (const uid of o.view.uids) {
      const info = o.view.info.get(uid);
      if (info) ctx.evaluated.set(uid, { info, hit: hits.has(uid) });
    }
    this.contexts.set(o.tag, ctx);
    o.view.beforeExpunge = (uids) => this.expunging(o.view, uids);
    return true;
  }

  /** CANCELUPDATE: false when no context has that tag. */
  cancel(tag: string): boolean { return this.contexts.delete(tag); }

  clear(): void { this.contexts.clear(); }

  /** The ESEARCH updates for every context whose result changed in `view`; drops contexts of other views. */
  async refresh(view: MailboxView | undefined): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (const ctx of [...this.contexts.values()]) {
      if (ctx.view !== view) {
        this.contexts.delete(ctx.tag);
        continue;
      }
      const update = await this.refreshOne(ctx);
      if (update) out.push(update);
    }
    return out;
  }

  private async refreshOne(ctx: Context): Promise<Buffer | undefined> {
    const mb = ctx.view;
    const hits: number[] = [];
    let changed = false;
    for (let i = 0; i < mb.uids.length; i++) {
      const uid = mb.uids[i]!;
      const info = mb.info.get(uid);
      if (!info) continue;
      const prev = ctx.evaluated.get(uid);
      let hit: boolean;
      if (prev && prev.info === info && !ctx.positional) hit = prev.hit;
      else {
        const h = await matchMessage(mb, ctx.key, i);
        hit = h !== undefined;
        if (h && ctx.sort && !ctx.sortKeys.has(uid)) ctx.sortKeys.set(uid, await keyValues(h, ctx.sort));
        ctx.evaluated.set(uid, { info, hit });
        if (!prev || prev.hit !== hit) changed = true;
      }
      if (hit) hits.push(uid);
    }
    for (const uid of ctx.evaluated.keys()) {
      if (!mb.info.has(uid)) {
        ctx.evaluated.delete(uid);
        ctx.sortKeys.delete(uid);
        changed = true;
      }
    }
    if (!changed) return undefined;
    if (ctx.sort) {
      for (const uid of hits) {
        if (ctx.sortKeys.has(uid)) continue; // SORT handed over the first result's keys; this is a safety net
        const h = await matchMessage(mb, { key: 'ALL' }, mb.seqOf(uid)! - 1);
        if (h) ctx.sortKeys.set(uid, await keyValues(h, ctx.sort));
      }
    }
    const next = ctx.sort ? this.sorted(ctx, hits) : hits;
    const update = this.diff(ctx, ctx.result, next);
    ctx.result = next;
    return update;
  }

  private sorted(ctx: Context, uids: number[]): number[] {
    const criteria = ctx.sort!;
    return [...uids].sort((a, b) => {
      const ka = ctx.sortKeys.get(a)!;
      const kb = ctx.sortKeys.get(b)!;
      for (let i = 0; i < criteria.length; i++) {
        const d = ka[i]! < kb[i]! ? -1 : ka[i]! > kb[i]! ? 1 : 0;
        if (d !== 0) return criteria[i]!.reverse ? -d : d;
      }
      return a - b; // ties in mailbox order: UIDs ascend with message numbers
    });
  }

  /** The ESEARCH turning `before` into `after` (both UIDs in result order), or undefined when equal. */
  private diff(ctx: Context, before: readonly number[], after: readonly number[]): Buffer | undefined {
    const mb = ctx.view;
    // expunging() took expunged messages out already; any left (none expected) leave silently
    const old = before.filter((u) => mb.info.has(u));
    const afterSet = new Set(after);
    const oldSet = new Set(old);
    const removed: Array<{ pos: number; uid: number }> = [];
    old.forEach((uid, i) => { if (!afterSet.has(uid)) removed.push({ pos: i + 1, uid }); });
    const added: Array<{ pos: number; uid: number }> = [];
    after.forEach((uid, i) => { if (!oldSet.has(uid)) added.push({ pos: i + 1, uid }); });
    if (!removed.length && !added.length) return undefined;
    return updateLine(ctx, removed, added);
  }

  /**
   * Called by the view just before it announces `uids` expunged (their numbers still valid): the
   * REMOVEFROM for each context holding one of them, to be sent before the EXPUNGE, as Dovecot does.
   */
  expunging(view: MailboxView, uids: readonly number[]): Buffer[] {
    const gone = new Set(uids);
    const out: Buffer[] = [];
    for (const ctx of this.contexts.values()) {
      if (ctx.view !== view) continue;
      const removed: Array<{ pos: number; uid: number }> = [];
      ctx.result.forEach((uid, i) => { if (gone.has(uid)) removed.push({ pos: i + 1, uid }); });
      for (const u of uids) {
        ctx.evaluated.delete(u);
        ctx.sortKeys.delete(u);
      }
      if (!removed.length) continue;
      ctx.result = ctx.result.filter((u) => !gone.has(u));
      out.push(updateLine(ctx, removed, []));
    }
    return out;
  }
}

/** `* ESEARCH (TAG "t") [UID] [REMOVEFROM (…)] [ADDTO (…)]`; positions in the old / new result (see the file comment). */
function updateLine(ctx: Context, removed: ReadonlyArray<{ pos: number; uid: number }>, added: ReadonlyArray<{ pos: number; uid: number }>): Buffer {
  const number = (uid: number): number => (ctx.uid ? uid : ctx.view.seqOf(uid)!);
  const w = serverWriter().raw('* ESEARCH (TAG ').string(ctx.tag).raw(')');
  if (ctx.uid) w.raw(' UID');
  if (removed.length) {
    const pairs = ctx.sort ? runs(removed).reverse() : [{ pos: 0, uids: removed.map((r) => r.uid) }];
    w.raw(' REMOVEFROM (').raw(pairs.map((p) => `${p.pos} ${setOf(p.uids.map(number), !!ctx.sort)}`).join(' ')).raw(')');
  }
  if (added.length) {
    const pairs = ctx.sort ? runs(added) : [{ pos: 0, uids: added.map((r) => r.uid) }];
    w.raw(' ADDTO (').raw(pairs.map((p) => `${p.pos} ${setOf(p.uids.map(number), !!ctx.sort)}`).join(' ')).raw(')');
  }
  return w.crlf().toBuffer();
}

/** Consecutive positions grouped: [{pos 2, a}, {pos 3, b}, {pos 7, c}] → (2 a,b) (7 c). */
function runs(items: ReadonlyArray<{ pos: number; uid: number }>): Array<{ pos: number; uids: number[] }> {
  const out: Array<{ pos: number; uids: number[] }> = [];
  for (const it of items) {
    const last = out[out.length - 1];
    if (last && last.pos + last.uids.length === it.pos) last.uids.push(it.uid);
    else out.push({ pos: it.pos, uids: [it.uid] });
  }
  return out;
}

/** A result set on the wire: sorted results keep their order (only ascending runs compressed). */
function setOf(numbers: readonly number[], ordered: boolean): string {
  return ordered ? formatSequenceSet(rangesInOrder(numbers)) : compressUids(numbers);
}
