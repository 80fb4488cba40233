/**
 * A session's view of its selected mailbox (RFC 3501 §5.2, §7.4.1): the message sequence numbers
 * it has announced, each message's UID and last announced flags. `sync()` compares with the store
 * and produces the untagged updates that bring the client up to date:
 *   `* n EXPUNGE` (highest first, so every number is valid when sent), `* N EXISTS` / `* N RECENT`,
 *   `* n FETCH (UID u FLAGS (…))` for flags another session or delivery changed.
 * Expunges are held back while a command forbids them (FETCH, STORE, SEARCH — §7.4.1): `sync(false)`.
 */
import { fetchData, messageCountData } from '../response-data.ts';
import type { ImapAccount, ImapMessage } from './hooks.ts';

export class MailboxView {
  /** uids[seq - 1] = uid of message `seq`. */
  uids: number[] = [];
  readonly flags = new Map<number, ReadonlySet<string>>();
  readonly info = new Map<number, ImapMessage>();
  uidNext = 1;

  constructor(readonly account: ImapAccount, readonly name: string, readonly uidValidity: number, readonly readOnly: boolean) {}

  get exists(): number { return this.uids.length; }

  /** Loads the current state silently (SELECT announces it itself). */
  async load(): Promise<ImapMessage[]> {
    const list = await this.account.listMessages(this.name);
    this.uids = list.map((m) => m.uid);
    for (const m of list) {
      this.flags.set(m.uid, m.flags);
      this.info.set(m.uid, m);
    }
    this.uidNext = Math.max(this.uidNext, ...list.map((m) => m.uid + 1));
    return list;
  }

  seqOf(uid: number): number | undefined {
    // uids ascend: binary search
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Records flags this session just announced itself (STORE), so sync() does not repeat them. */
  noteFlags(uid: number, flags: ReadonlySet<string>): void {
    if (this.flags.has(uid)) this.flags.set(uid, flags);
  }

  /** Removes UIDs this session expunged and announced itself. */
  noteExpunged(uids: readonly number[]): void {
    const gone = new Set(uids);
    this.uids = this.uids.filter((u) => !gone.has(u));
    for (const u of uids) {
      this.flags.delete(u);
      this.info.delete(u);
    }
  }

  /** Untagged updates since the last sync; expunges only when `allowExpunge`. */
  async sync(allowExpunge: boolean): Promise<Buffer[]> {
    const list = await this.account.listMessages(this.name);
    const out: Buffer[] = [];
    const current = new Map(list.map((m) => [m.uid, m]));
    if (allowExpunge) {
      for (let seq = this.uids.length; seq >= 1; seq--) {
        const uid = this.uids[seq - 1]!;
        if (current.has(uid)) continue;
        out.push(messageCountData(seq, 'EXPUNGE'));
        this.uids.splice(seq - 1, 1);
        this.flags.delete(uid);
        this.info.delete(uid);
      }
    }
    const last = this.uids[this.uids.length - 1] ?? 0;
    const added = list.filter((m) => m.uid > last);
    for (const m of list) {
      if (m.uid > last) continue;
      const seen = this.flags.get(m.uid);
      if (seen && !sameFlags(seen, m.flags)) {
        this.flags.set(m.uid, m.flags);
        this.info.set(m.uid, m);
        out.push(fetchData(this.seqOf(m.uid)!, [{ item: 'UID', value: m.uid }, { item: 'FLAGS', flags: flagList(m) }]));
      }
    }
    if (added.length) {
      for (const m of added) {
        this.uids.push(m.uid);
        this.flags.set(m.uid, m.flags);
        this.info.set(m.uid, m);
      }
      this.uidNext = Math.max(this.uidNext, added[added.length - 1]!.uid + 1);
      out.push(messageCountData(this.uids.length, 'EXISTS'));
      out.push(messageCountData([...this.info.values()].filter((m) => m.recent).length, 'RECENT'));
    }
    return out;
  }
}

function sameFlags(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const f of a) if (!b.has(f)) return false;
  return true;
}

/** FLAGS as sent: stored flags plus `\Recent` for messages recent to this session. */
export function flagList(m: { flags: ReadonlySet<string>; recent: boolean }): string[] {
  return m.recent ? [...m.flags, '\\Recent'] : [...m.flags];
}
