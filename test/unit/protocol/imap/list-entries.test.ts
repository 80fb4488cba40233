/**
 * LIST / LSUB answers (RFC 3501 §6.3.8–6.3.9) and extended LIST answers (RFC 5258 §3, RFC 6154 §3)
 * from folder names and subscriptions, as tables.
 */
import { describe, expect, it } from 'vitest';
import { FolderTree, extendedEntries, listEntries, listMatcher, lsubEntries } from '../../../../src/protocol/imap/server/commands/list.ts';

const FOLDERS = ['INBOX', 'Lists', 'Lists/Weekly', 'Lists/Daily', 'Orphan/Child', 'Sent'];
const show = (entries: Array<{ attributes: string[]; name: string }>): string[] => entries.map((e) => `(${e.attributes.join(' ')}) ${e.name}`);

describe('LSUB', () => {
  it.each<[string, string[], string, string[]]>([
    ['existing names', ['Sent', 'INBOX'], '*', ['(\\HasNoChildren) INBOX', '(\\HasNoChildren) Sent']],
    ['a name without a folder is \\Noselect', ['Gone', 'Sent'], '*', ['(\\Noselect \\HasNoChildren) Gone', '(\\HasNoChildren) Sent']],
    ['subscriptions of inbox in any case are INBOX', ['inbox'], '%', ['(\\HasNoChildren) INBOX']],
    ['% stands an unsubscribed parent in for a subscribed child', ['Lists/Weekly'], '%', ['(\\Noselect \\HasChildren) Lists']],
    ['… once for several children', ['Lists/Weekly', 'Lists/Daily'], '%', ['(\\Noselect \\HasChildren) Lists']],
    ['… but not when the parent is subscribed itself', ['Lists', 'Lists/Weekly'], '%', ['(\\HasChildren) Lists']],
    ['… and * reaches the child, so no stand-in', ['Lists/Weekly'], '*', ['(\\HasNoChildren) Lists/Weekly']],
    ['… parents at every level the pattern matches', ['A/B/C'], '%/%', ['(\\Noselect \\HasNoChildren) A/B']],
    ['a subscribed parent that is no folder', ['Orphan'], '*', ['(\\Noselect \\HasChildren) Orphan']],
    ['nothing subscribed', [], '*', []],
  ])('%s', (_, subscriptions, pattern, want) => {
    expect(show(lsubEntries(new FolderTree(FOLDERS), subscriptions, listMatcher('', pattern)))).toEqual(want);
  });
});

describe('LIST', () => {
  it('names folders and folder-less parents (\\Noselect), never subscriptions, with special use', () => {
    const use = (name: string): string | undefined => (name === 'Sent' ? '\\Sent' : undefined);
    expect(show(listEntries(new FolderTree(FOLDERS), listMatcher('', '%'), use))).toEqual([
      '(\\HasNoChildren) INBOX', '(\\HasChildren) Lists', '(\\Noselect \\HasChildren) Orphan', '(\\HasNoChildren \\Sent) Sent',
    ]);
  });
});

describe('extended LIST', () => {
  const use = (name: string): string | undefined => ({ Sent: '\\Sent', 'Lists/Daily': '\\Archive' })[name];
  const withInfo = (entries: ReturnType<typeof extendedEntries>): string[] => entries.map((e) => `(${e.attributes.join(' ')}) ${e.name}${e.childInfo ? ` CHILDINFO ${e.childInfo.join(' ')}` : ''}`);
  const run = (selection: Parameters<typeof extendedEntries>[4], subs: string[], pattern: string, returnSubscribed = false): string[] =>
    withInfo(extendedEntries(new FolderTree(FOLDERS), subs, listMatcher('', pattern), use, selection, returnSubscribed));

  it.each<[string, Parameters<typeof extendedEntries>[4], string[], string, boolean, string[]]>([
    ['no selection is LIST', [], [], '%', false, ['(\\HasNoChildren) INBOX', '(\\HasChildren) Lists', '(\\Noselect \\HasChildren) Orphan', '(\\HasNoChildren \\Sent) Sent']],
    ['REMOTE changes nothing', ['REMOTE'], [], '%', false, ['(\\HasNoChildren) INBOX', '(\\HasChildren) Lists', '(\\Noselect \\HasChildren) Orphan', '(\\HasNoChildren \\Sent) Sent']],
    ['return SUBSCRIBED marks subscribed folders only', [], ['Sent', 'Gone'], '*', true, ['(\\HasNoChildren) INBOX', '(\\HasChildren) Lists', '(\\HasNoChildren \\Archive) Lists/Daily', '(\\HasNoChildren) Lists/Weekly', '(\\Noselect \\HasChildren) Orphan', '(\\HasNoChildren) Orphan/Child', '(\\HasNoChildren \\Subscribed \\Sent) Sent']],
    ['SUBSCRIBED: subscribed names, \\NonExistent when gone', ['SUBSCRIBED'], ['Sent', 'Gone', 'inbox', 'Orphan'], '*', true, ['(\\HasNoChildren \\Subscribed) INBOX', '(\\NonExistent \\Subscribed) Gone', '(\\Noselect \\HasChildren \\Subscribed) Orphan', '(\\HasNoChildren \\Subscribed \\Sent) Sent']],
    ['SUBSCRIBED does not stand parents in as LSUB does', ['SUBSCRIBED'], ['Lists/Weekly'], '%', true, []],
    ['SUBSCRIBED RECURSIVEMATCH: the parent with CHILDINFO', ['SUBSCRIBED', 'RECURSIVEMATCH'], ['Lists/Weekly', 'A/B/C'], '%', true, ['(\\NonExistent) A CHILDINFO SUBSCRIBED', '(\\HasChildren) Lists CHILDINFO SUBSCRIBED']],
    // Lists/Weekly matches `*` itself, so it earns Lists no CHILDINFO (RFC 5258 §3.5, as Dovecot)
    ['… a subscribed parent too', ['SUBSCRIBED', 'RECURSIVEMATCH'], ['Lists', 'Lists/Weekly'], '*', true, ['(\\HasChildren \\Subscribed) Lists', '(\\HasNoChildren \\Subscribed) Lists/Weekly']],
    ['… a subscribed parent whose child the pattern misses', ['SUBSCRIBED', 'RECURSIVEMATCH'], ['Lists', 'Lists/Weekly'], '%', true, ['(\\HasChildren \\Subscribed) Lists CHILDINFO SUBSCRIBED']],
    ['SPECIAL-USE: only folders with a special use', ['SPECIAL-USE'], [], '*', false, ['(\\HasNoChildren \\Archive) Lists/Daily', '(\\HasNoChildren \\Sent) Sent']],
    ['SPECIAL-USE RECURSIVEMATCH', ['SPECIAL-USE', 'RECURSIVEMATCH'], [], '%', false, ['(\\HasChildren) Lists CHILDINFO SPECIAL-USE', '(\\HasNoChildren \\Sent) Sent']],
    ['SUBSCRIBED and SPECIAL-USE: both', ['SUBSCRIBED', 'SPECIAL-USE'], ['Sent', 'INBOX'], '*', true, ['(\\HasNoChildren \\Subscribed \\Sent) Sent']],
    ['a subscribed name without folder has no special use', ['SPECIAL-USE'], ['Drafts'], '*', false, ['(\\HasNoChildren \\Archive) Lists/Daily', '(\\HasNoChildren \\Sent) Sent']],
  ])('%s', (_, selection, subs, pattern, returnSubscribed, want) => {
    expect(run(selection, subs, pattern, returnSubscribed)).toEqual(want);
  });
});
