/**
 * LIST and LSUB (RFC 3501 §6.3.8–6.3.9; CHILDREN RFC 3348; SPECIAL-USE RFC 6154):
 *   LIST reference pattern     LSUB reference pattern
 * `*` matches any characters, `%` any but the separator `/`; `LIST "" ""` gives the separator.
 *
 * LIST names every folder, and as `\Noselect` the parents that are no folder (left by a DELETE).
 * LSUB names the subscribed names whether or not a folder has them: subscriptions outlive their
 * mailbox (§6.3.9), and one without a folder is `\Noselect` — what RFC 9051's LIST (SUBSCRIBED)
 * marks `\NonExistent`, which implies `\Noselect`; Dovecot answers LSUB the same way. A subscribed
 * name the pattern does not reach (`%` one level up) is stood in for by its unsubscribed parents
 * that the pattern matches, as `\Noselect` (§6.3.9: "foo/bar" subscribed, "foo" not, `%` → foo).
 * `\HasChildren` / `\HasNoChildren` describe the folders in both; special-use attributes are LIST's.
 * Not supported: LIST-EXTENDED (RFC 5258), hence no LIST (SUBSCRIBED) and no `\NonExistent`.
 */
import { listData, type ListEntry } from '../../response-data.ts';
import type { ImapAccount } from '../hooks.ts';
import { canonical, isInbox } from './mailboxes.ts';
import { AUTHED, type CommandOf, type CommandSpec } from './spec.ts';

/** LIST pattern match: `*` any characters, `%` any except the separator (RFC 3501 §6.3.8). */
export function listMatcher(reference: string, pattern: string): (name: string) => boolean {
  const full = reference && !pattern.startsWith('/') ? `${reference.replace(/\/?$/, '/')}${pattern}`.replace(/^\/+/, '') : pattern;
  const re = new RegExp(`^${full.split('').map((c) => (c === '*' ? '.*' : c === '%' ? '[^/]*' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'u');
  return (name: string) => re.test(name) || (isInbox(name) && re.test(name.toUpperCase())) || (isInbox(name) && /^inbox$/i.test(full));
}

/** The account's folders and the names above them. */
export class FolderTree {
  readonly folders: ReadonlySet<string>;
  /** Every name with a folder below it (a folder itself or only a level of the hierarchy). */
  private readonly parents = new Set<string>();

  constructor(folders: readonly string[]) {
    this.folders = new Set(folders);
    for (const f of folders) for (let i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) this.parents.add(f.slice(0, i));
  }

  /** Folders and the parents that are no folder. */
  names(): string[] {
    return [...new Set([...this.folders, ...this.parents])];
  }

  hasChildren(name: string): boolean {
    return this.parents.has(name);
  }

  /** `\Noselect` when `selectable` is false, then the CHILDREN attribute. */
  attributes(name: string, selectable: boolean): string[] {
    const children = this.hasChildren(name) ? '\\HasChildren' : '\\HasNoChildren';
    return selectable ? [children] : ['\\Noselect', children];
  }
}

/** INBOX first, then by name. */
const byName = (x: string, y: string): number => (isInbox(x) ? -1 : isInbox(y) ? 1 : x.localeCompare(y));

export function listEntries(tree: FolderTree, match: (name: string) => boolean, specialUse: (name: string) => string | undefined): ListEntry[] {
  return tree.names().filter(match).sort(byName).map((name) => {
    const attributes = tree.attributes(name, tree.folders.has(name));
    const use = specialUse(name);
    if (use) attributes.push(use);
    return { attributes, delimiter: '/', name };
  });
}

export function lsubEntries(tree: FolderTree, subscriptions: readonly string[], match: (name: string) => boolean): ListEntry[] {
  const subscribed = new Set(subscriptions.map(canonical));
  const selectable = new Map<string, boolean>();
  for (const name of subscribed) {
    if (match(name)) {
      selectable.set(name, tree.folders.has(name));
      continue;
    }
    for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
      const parent = name.slice(0, i);
      if (!subscribed.has(parent) && match(parent)) selectable.set(parent, false);
    }
  }
  return [...selectable.keys()].sort(byName).map((name) => ({ attributes: tree.attributes(name, selectable.get(name)!), delimiter: '/', name }));
}

export const LIST: CommandSpec<CommandOf<'LIST' | 'LSUB'>> = {
  states: AUTHED,
  async run(s, cmd) {
    const a: ImapAccount = s.account!;
    if (cmd.name === 'LIST' && cmd.pattern === '') {
      s.send(listData('LIST', { attributes: ['\\Noselect'], delimiter: '/', name: '' }));
      return {};
    }
    const tree = new FolderTree(await a.listFolders());
    const match = listMatcher(cmd.reference, cmd.pattern);
    const entries = cmd.name === 'LSUB' ? lsubEntries(tree, await a.subscriptions(), match) : listEntries(tree, match, (name) => a.specialUse(name));
    for (const entry of entries) s.send(listData(cmd.name, entry));
    return {};
  },
};
