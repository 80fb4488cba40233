/**
 * A POP3 maildrop over the account's shared AccountStore (the one every IMAP and POP3 session of
 * the account uses on this node): the INBOX as it was at login.
 *
 * - UIDL is Dovecot's default `pop3_uidl_format` (%08Xu%08Xv: UID then UIDVALIDITY, eight
 *   upper-case hex digits each). Both live in the maildir's dovecot-uidlist, so the id is the
 *   same on every node, after restarts and failovers, and after a move to Dovecot.
 * - Sizes are wire sizes (CRLF): from the file name's `,W=` when the store recorded it (every
 *   message we deliver or append wire-clean), otherwise the message is read once to learn it;
 *   wire sizes of (immutable) messages are remembered in `sizes`.
 * - commit: \Seen on the retrieved messages, then the expunge, which resolves once the unlinks and
 *   the UID list are fsynced (MaildirStore). The account's other sessions are told of both.
 */
import { INBOX, type AccountStore } from '../../src/storage/types.ts';
import type { MailboxChange } from '../../src/protocol/imap/server/hooks.ts';
import type { Pop3Maildrop, Pop3Message } from '../../src/protocol/pop3/hooks.ts';
import { wireSize } from '../../src/protocol/pop3/response.ts';

/** Wire sizes by account, UIDVALIDITY and UID (immutable), bounded. */
export class WireSizes {
  private readonly map = new Map<string, number>();
  constructor(private readonly max = 200_000) {}
  get(key: string): number | undefined { return this.map.get(key); }
  set(key: string, size: number): void {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, size);
  }
}

export interface MaildropDeps {
  store: AccountStore;
  sizes: WireSizes;
  /** Tells the account's other sessions (IMAP) what the commit changed. */
  changed: (change: MailboxChange) => void;
  /** Called once when the session ends (drops its references). */
  onClose: () => void;
}

const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');

export async function openMaildrop(account: string, d: MaildropDeps): Promise<Pop3Maildrop> {
  try {
    const [status, list] = await Promise.all([d.store.status(INBOX), d.store.listMessages(INBOX)]);
    const uids = list.map((m) => m.uid);
    const messages: Pop3Message[] = [];
    for (const m of list) {
      const key = `${account}\0${status.uidValidity}\0${m.uid}`;
      let size = m.wireSize ?? d.sizes.get(key);
      if (size === undefined) {
        size = wireSize(await d.store.readMessage(INBOX, m.uid));
        d.sizes.set(key, size);
      }
      messages.push({ uidl: `${hex8(m.uid)}${hex8(status.uidValidity)}`, size });
    }
    return new StoreMaildrop(account, messages, uids, d);
  } catch (err) {
    d.onClose();
    throw err;
  }
}

class StoreMaildrop implements Pop3Maildrop {
  private closed = false;

  constructor(readonly account: string, readonly messages: readonly Pop3Message[], private readonly uids: readonly number[], private readonly d: MaildropDeps) {}

  read(index: number): Promise<Buffer> {
    return this.d.store.readMessage(INBOX, this.uids[index]!);
  }

  async commit(update: { deleted: readonly number[]; seen: readonly number[] }): Promise<void> {
    if (update.seen.length) {
      const flags = await this.d.store.setFlags(INBOX, update.seen.map((i) => this.uids[i]!), ['\\Seen'], 'add');
      if (flags.length) this.d.changed({ folder: INBOX, flags });
    }
    if (update.deleted.length) {
      const expunged = await this.d.store.expunge(INBOX, update.deleted.map((i) => this.uids[i]!));
      if (expunged.length) this.d.changed({ folder: INBOX, expunged });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.d.onClose();
  }
}
