/**
 * LIST and LSUB (RFC 3501 §6.3.8–6.3.9; CHILDREN RFC 3348; LIST-EXTENDED RFC 5258; SPECIAL-USE
 * RFC 6154; LIST-STATUS RFC 5819):
 *   LIST reference pattern     LSUB reference pattern
 *   LIST [(selection…)] reference (pattern | (pattern…)) [RETURN (option…)]
 * `*` matches any characters, `%` any but the separator `/`; `LIST "" ""` gives the separator.
 *
 * LIST names every folder, and as `\Noselect` the parents that are no folder (left by a DELETE).
 * LSUB names the subscribed names whether or not a folder has them: subscriptions outlive their
 * mailbox (§6.3.9), and one without a folder is `\Noselect` — what LIST (SUBSCRIBED) marks
 * `\NonExistent`, which implies `\Noselect`; Dovecot answers LSUB the same way. A subscribed
 * name the pattern does not reach (`%` one level up) is stood in for by its unsubscribed parents
 * that the pattern matches, as `\Noselect` (§6.3.9: "foo/bar" subscribed, "foo" not, `%` → foo).
 * `\HasChildren` / `\HasNoChildren` describe the folders in both; special-use attributes are LIST's.
 *
 * Extended LIST (RFC 5258 §3): selection SUBSCRIBED lists subscribed names (`\NonExistent` when
 * neither a folder nor a parent of one), SPECIAL-USE only folders with a special use, both
 * together names meeting both; REMOTE changes nothing (no remote mailboxes). RECURSIVEMATCH also
 * lists names the patterns match that miss the selection but have a descendant meeting it that
 * the patterns do not match, and marks every listed name with such a descendant with CHILDINFO
 * naming the selection options.
 * Return SUBSCRIBED adds `\Subscribed` (implied by selecting SUBSCRIBED); CHILDREN and SPECIAL-USE
 * change nothing, those attributes are always sent (RFC 5258 §4 allows it unasked). STATUS sends
 * `* STATUS` after the LIST line of each selectable folder (RFC 5819 §2), leaving out a folder
 * whose status fails (it vanished meanwhile). Several patterns list each name once.
 */
import { listData, type ListEntry } from '../../response-data.ts';
import type { ListCommand, ListSelectionOption, StatusItem } from '../../types.ts';
import type { ImapAccount } from '../hooks.ts';
import type { ImapSession } from '../session.ts';
import { canonical, isInbox, statusResponse } from './mailboxes.ts';
import { AUTHED, type CommandOf, type CommandSpec } from './spec.ts';
import { wire } from './rev2.ts';

/** LIST pattern match: `*` any characters, `%` any except the separator (RFC 3501 §6.3.8). */
export function listMatcher(reference: string, pattern: string): (name: string) => boolean {
  const full = reference && !pattern.startsWith('/') ? `${reference.replace(/\/?$/, '/')}${pattern}`.replace(/^\/+/, '') : pattern;
  const re = new RegExp(`^${full.split('').map((c) => (c === '*' ? '.*' : c === '%' ? '[^/]*' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'u');
  return (name: string) => re.test(name) || (isInbox(name) && re.test(name.toUpperCase())) || (isInbox(name) && /^inbox$/i.test(full));
}

/** Ancestors of `name`, nearest last: `a/b/c` → `a`, `a/b`. */
function ancestors(name: string): string[] {
  const out: string[] = [];
  for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) out.push(name.slice(0, i));
  return out;
}

/** The account's folders and the names above them. */
export class FolderTree {
  readonly folders: ReadonlySet<string>;
  /** Every name with a folder below it (a folder itself or only a level of the hierarchy). */
  private readonly parents = new Set<string>();

  constructor(folders: readonly string[]) {
    this.folders = new Set(folders);
    for (const f of folders) for (const p of ancestors(f)) this.parents.add(p);
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

/** Plain LIST: every folder and parent the pattern matches; the extended answer with no options. */
export function listEntries(tree: FolderTree, match: (name: string) => boolean, specialUse: (name: string) => string | undefined): ListEntry[] {
  return extendedEntries(tree, [], match, specialUse, [], false);
}

export function lsubEntries(tree: FolderTree, subscriptions: readonly string[], match: (name: string) => boolean): ListEntry[] {
  const subscribed = new Set(subscriptions.map(canonical));
  const selectable = new Map<string, boolean>();
  for (const name of subscribed) {
    if (match(name)) {
      selectable.set(name, tree.folders.has(name));
      continue;
    }
    for (const parent of ancestors(name)) if (!subscribed.has(parent) && match(parent)) selectable.set(parent, false);
  }
  return [...selectable.keys()].sort(byName).map((name) => ({ attributes: tree.attributes(name, selectable.get(name)!), delimiter: '/', name }));
}

/** The answer to an extended LIST (RFC 5258 §3) with `selection` (`[]` for none), sorted. */
export function extendedEntries(
  tree: FolderTree,
  subscriptions: readonly string[],
  match: (name: string) => boolean,
  specialUse: (name: string) => string | undefined,
  selection: readonly ListSelectionOption[],
  returnSubscribed: boolean,
): ListEntry[] {
  const subscribed = new Set(subscriptions.map(canonical));
  const exists = (name: string): boolean => tree.folders.has(name) || tree.hasChildren(name);
  const criteria: Array<[tag: string, meets: (name: string) => boolean]> = [];
  if (selection.includes('SUBSCRIBED')) criteria.push(['SUBSCRIBED', (n) => subscribed.has(n)]);
  if (selection.includes('SPECIAL-USE')) criteria.push(['SPECIAL-USE', (n) => exists(n) && specialUse(n) !== undefined]);
  const selected = (name: string): boolean => (criteria.length === 0 ? exists(name) : criteria.every(([, meets]) => meets(name)));
  const names = new Set([...tree.names(), ...subscribed]);
  const parentsOfSelected = new Set<string>();
  // RFC 5258 §3.5 (and Dovecot): only a descendant the patterns do not reach themselves earns
  // its ancestors CHILDINFO; one that matched is listed on its own account
  if (selection.includes('RECURSIVEMATCH')) for (const name of names) if (selected(name) && !match(name)) for (const p of ancestors(name)) parentsOfSelected.add(p);
  const childInfo = criteria.map(([tag]) => tag);
  return [...new Set([...names, ...parentsOfSelected])]
    .filter((name) => match(name) && (selected(name) || parentsOfSelected.has(name)))
    .sort(byName)
    .map((name) => {
      const attributes = exists(name) ? tree.attributes(name, tree.folders.has(name)) : ['\\NonExistent'];
      if (returnSubscribed && subscribed.has(name)) attributes.push('\\Subscribed');
      const use = exists(name) ? specialUse(name) : undefined;
      if (use) attributes.push(use);
      return { attributes, delimiter: '/', name, ...(parentsOfSelected.has(name) ? { childInfo } : {}) };
    });
}

/**
 * Sends LIST's answer (plain LIST is the extended one with no options), each selectable folder's
 * `* STATUS` after its LIST line when RETURN (STATUS) asked for it.
 */
async function sendList(s: ImapSession, cmd: ListCommand, tree: FolderTree, match: (name: string) => boolean): Promise<void> {
  const a: ImapAccount = s.account!;
  const selection = cmd.selection ?? [];
  const returns = cmd.returnOptions ?? [];
  const returnSubscribed = selection.includes('SUBSCRIBED') || returns.some((r) => r.option === 'SUBSCRIBED');
  const subscriptions = returnSubscribed ? await a.subscriptions() : [];
  let statusItems: StatusItem[] | undefined;
  for (const r of returns) if (r.option === 'STATUS') statusItems = r.items;
  for (const entry of extendedEntries(tree, subscriptions, match, (name) => a.specialUse(name), selection, returnSubscribed)) {
    s.send(listData('LIST', entry, wire(s)));
    if (!statusItems || !tree.folders.has(entry.name)) continue;
    const status = await statusResponse(s, entry.name, statusItems).catch(() => undefined);
    if (status) s.send(status);
  }
}

export const LIST: CommandSpec<CommandOf<'LIST' | 'LSUB'>> = {
  states: AUTHED,
  async run(s, cmd) {
    const a: ImapAccount = s.account!;
    if (cmd.name === 'LIST' && cmd.patterns.length === 1 && cmd.patterns[0] === '') {
      s.send(listData('LIST', { attributes: ['\\Noselect'], delimiter: '/', name: '' }));
      return {};
    }
    const tree = new FolderTree(await a.listFolders());
    const matchers = cmd.patterns.map((p) => listMatcher(cmd.reference, p));
    const match = (name: string): boolean => matchers.some((m) => m(name));
    if (cmd.name === 'LIST') {
      await sendList(s, cmd, tree, match);
      return {};
    }
    for (const entry of lsubEntries(tree, await a.subscriptions(), match)) s.send(listData('LSUB', entry, wire(s)));
    return {};
  },
};
