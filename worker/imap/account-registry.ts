/**
 * One open AccountStore per account on its holder, shared by every IMAP session of the account
 * (design §1: the holder is the only writer, and sessions must see each other's changes). Opened
 * on first use with the account's fencing token and a self-fencing check before every commit;
 * closed when its last session ends or when the node stops holding the account (then every
 * session of the account is told by `onClosed`).
 */
import type { AccountStore, MailStore } from '../../src/storage/types.ts';
import { parseAccount } from '../../src/util/account.ts';
import { MessageCache } from './message-cache.ts';

export interface RegistryOptions {
  store: MailStore;
  /** Fencing token of this node's grant (undefined: no fencing, single-server tests); throws when the account is not served here. */
  token: (account: string) => string | undefined;
  /** Throws when this node may not commit changes to the account now (self-fencing, moved). */
  assertServing: (account: string) => void;
}

/** What the sessions of one open account share besides the store. */
export interface SharedAccountState {
  /** Per folder, the highest UID some session has already been told is `\Recent`. */
  recentClaimed: Map<string, number>;
  /** Bodies read recently by any of the account's sessions. */
  messages: MessageCache;
}

interface Entry { store: Promise<AccountStore>; refs: number; shared: SharedAccountState }

export class AccountRegistry {
  private readonly open = new Map<string, Entry>();

  constructor(private readonly o: RegistryOptions) {}

  /** A reference to the account's store; call the returned release when the session ends. */
  async acquire(account: string): Promise<{ store: AccountStore; shared: SharedAccountState; release: () => void }> {
    let e = this.open.get(account);
    if (!e) {
      const token = this.o.token(account);
      const store = this.o.store.openAccount(parseAccount(account), { ...(token !== undefined ? { fenceToken: BigInt(token) } : {}), beforeCommit: async () => this.o.assertServing(account) });
      e = { store, refs: 0, shared: { recentClaimed: new Map(), messages: new MessageCache() } };
      this.open.set(account, e);
      store.catch(() => this.open.get(account) === e && this.open.delete(account));
    }
    e.refs++;
    const entry = e;
    try {
      const store = await entry.store;
      let released = false;
      return {
        store,
        shared: entry.shared,
        release: () => {
          if (released) return;
          released = true;
          if (--entry.refs === 0 && this.open.get(account) === entry) {
            this.open.delete(account);
            void store.close().catch(() => undefined);
          }
        },
      };
    } catch (err) {
      entry.refs--;
      throw err;
    }
  }

  /** Closes the account's store now (the node no longer holds it); sessions must already be ending. */
  async closeAccount(account: string): Promise<void> {
    const e = this.open.get(account);
    if (!e) return;
    this.open.delete(account);
    await (await e.store.catch(() => undefined))?.close().catch(() => undefined);
  }
}
