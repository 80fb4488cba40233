import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MailboxNameError, StorageError } from '../../../src/storage/errors.ts';
import { applyFlags, normaliseFlags, normaliseFolderName, parentNames } from '../../../src/storage/names.ts';
import { decodeMutf7, encodeMutf7 } from '../../../src/util/mutf7.ts';
import { folderEntry, folderFromEntry } from '../../../src/storage/maildir/paths.ts';

describe('folder names', () => {
  it.each([
    ['inbox', 'INBOX'],
    ['Inbox/Sub', 'INBOX/Sub'],
    ['Sent', 'Sent'],
    ['Work/Project X', 'Work/Project X'],
    ['Entwürfe', 'Entwürfe'],
    ['a&b', 'a&b'],
  ])('accepts %j as %j', (input, normalised) => expect(normaliseFolderName(input)).toBe(normalised));

  it.each(['', '/', 'a/', '/a', 'a//b', '.', '..', '../x', 'a/../b', '.hidden', 'a.b', 'x\0y', 'x\ny', 'tab\there', 'del\x7f', '*', 'a%', '\ud800', 'x'.repeat(513)])(
    'refuses %j with BAD_MAILBOX_NAME',
    (bad) => {
      expect(() => normaliseFolderName(bad)).toThrow(MailboxNameError);
      try {
        normaliseFolderName(bad);
      } catch (err) {
        expect((err as StorageError).code).toBe('BAD_MAILBOX_NAME');
      }
    },
  );

  it('lists superior names outermost first', () => {
    expect(parentNames('A/B/C')).toEqual(['A', 'A/B']);
    expect(parentNames('A')).toEqual([]);
  });

  it('maps to Maildir++ directory names the way Dovecot stores them (mUTF-7, "." between levels)', () => {
    expect(folderEntry('INBOX')).toBe('');
    expect(folderEntry('Sent')).toBe('.Sent');
    expect(folderEntry('Work/Project X')).toBe('.Work.Project X');
    expect(folderEntry('Entwürfe')).toBe('.Entw&APw-rfe');
    expect(folderEntry('a&b')).toBe('.a&-b');
    expect(folderFromEntry('.Entw&APw-rfe')).toBe('Entwürfe');
    expect(folderFromEntry('.INBOX.Sub')).toBe('INBOX/Sub');
    for (const junk of ['cur', '.', '..', '..x', '.a..b', '.bad&mUTF7', '.INBOX']) expect(folderFromEntry(junk)).toBeUndefined();
  });

  it('round-trips any valid name through its directory entry', () => {
    const level = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((s) => {
      try {
        return normaliseFolderName(s) === s && s !== 'INBOX';
      } catch {
        return false;
      }
    });
    fc.assert(fc.property(fc.array(level, { minLength: 1, maxLength: 3 }), (levels) => folderFromEntry(folderEntry(levels.join('/'))) === levels.join('/')));
  });
});

describe('modified UTF-7 (RFC 3501 §5.1.3)', () => {
  it.each([
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['&', '&-'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['😀', '&2D3eAA-'],
  ])('%j ⇄ %j', (plain, encoded) => {
    expect(encodeMutf7(plain)).toBe(encoded);
    expect(decodeMutf7(encoded)).toBe(plain);
  });
  it.each(['&', '&Jjo', '&AGE-', 'a\u00e9', '&U,BTF2XlZyyKng-x&-'.slice(0, 6)])('refuses non-canonical %j', (bad) => expect(decodeMutf7(bad)).toBeUndefined());
  it('decode ∘ encode = identity', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => decodeMutf7(encodeMutf7(s)) === s));
  });
});

describe('flags', () => {
  it('normalises system flags, keeps keywords, drops \\Recent', () => {
    expect([...normaliseFlags(['\\seen', '\\FLAGGED', '$Junk', '$junk', '\\Recent'])]).toEqual(['\\Seen', '\\Flagged', '$Junk']);
  });
  it.each(['\\Custom', 'two words', 'paren(', 'quote"', 'star*', 'brace{', 'ünï', ''])('refuses %j with BAD_FLAG', (bad) => {
    expect(() => normaliseFlags([bad])).toThrow(expect.objectContaining({ code: 'BAD_FLAG' }));
  });
  it('adds, removes and replaces, keywords case-insensitively', () => {
    const cur = new Set(['\\Seen', '$junk']);
    expect([...applyFlags(cur, new Set(['$Junk', '\\Flagged']), 'add')].sort()).toEqual(['$Junk', '\\Flagged', '\\Seen']);
    expect([...applyFlags(cur, new Set(['$JUNK']), 'remove')]).toEqual(['\\Seen']);
    expect([...applyFlags(cur, new Set(['\\Draft']), 'replace')]).toEqual(['\\Draft']);
  });
});
