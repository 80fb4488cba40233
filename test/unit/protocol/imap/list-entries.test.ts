/** LIST / LSUB answers (RFC 3501 §6.3.8–6.3.9) from folder names and subscriptions, as tables. */
import { describe, expect, it } from 'vitest';
import { FolderTree, listEntries, listMatcher, lsubEntries } from '../../../../src/protocol/imap/server/commands/list.ts';

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
