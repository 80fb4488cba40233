/**
 * RFC 7162 arguments (commands/condstore-args.ts), table-tested from raw wire text: FETCH and
 * STORE modifiers, SELECT / EXAMINE parameters, SEARCH MODSEQ, STATUS HIGHESTMODSEQ; each parsed
 * command also serialises back to a wire form that parses to the same command.
 */
import { describe, expect, it } from 'vitest';
import { CommandReader, isImapParseError, parseCommand, type RawCommand } from '../../../../src/protocol/imap/index.ts';
import { serializeCommandBytes } from '../../../../src/protocol/imap/serialize.ts';

function frame(wire: string): RawCommand {
  const r = new CommandReader({ maxLineLength: 8192, maxLiteralSize: 1 << 20 });
  const cmds = r.feed(Buffer.from(wire)).flatMap((e) => (e.kind === 'command' ? [e.command] : []));
  expect(cmds).toHaveLength(1);
  return cmds[0]!;
}
const parse = (wire: string) => parseCommand(frame(wire));

describe('RFC 7162 arguments', () => {
  it.each<[string, string, Record<string, unknown>]>([
    ['FETCH MODSEQ (§3.1.4.1)', 'a FETCH 1:* (FLAGS MODSEQ)\r\n', { name: 'FETCH', items: [{ kind: 'FLAGS' }, { kind: 'MODSEQ' }] }],
    ['FETCH CHANGEDSINCE', 'a FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n', { changedSince: 12345, items: [{ kind: 'FLAGS' }] }],
    ['UID FETCH CHANGEDSINCE VANISHED (§3.2.6)', 'a UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n', { uid: true, changedSince: 12345, vanished: true }],
    ['lower-case modifiers', 'a uid fetch 1 flags (changedsince 7 vanished)\r\n', { changedSince: 7, vanished: true }],
    ['a modseq at 2^63-1 is read as 2^53-1', 'a FETCH 1 FLAGS (CHANGEDSINCE 9223372036854775807)\r\n', { changedSince: Number.MAX_SAFE_INTEGER }],
    ['STORE UNCHANGEDSINCE (§3.1.3)', 'a STORE 1:3 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n', { name: 'STORE', unchangedSince: 320162338, operation: 'add', silent: true, flags: ['\\Deleted'] }],
    ['UNCHANGEDSINCE 0', 'a UID STORE 7 (UNCHANGEDSINCE 0) FLAGS ()\r\n', { uid: true, unchangedSince: 0, flags: [] }],
    ['SELECT (CONDSTORE) (§3.1.8)', 'a SELECT INBOX (CONDSTORE)\r\n', { name: 'SELECT', mailbox: 'INBOX', select: { condstore: true } }],
    ['EXAMINE (QRESYNC) minimal (§3.2.5)', 'a EXAMINE INBOX (QRESYNC (67890007 715194045000))\r\n', { name: 'EXAMINE', select: { qresync: { uidValidity: 67890007, modseq: 715194045000 } } }],
    ['QRESYNC with known-uids', 'a SELECT INBOX (QRESYNC (67890007 715194045001 41,43:211,214:541))\r\n', {
      select: { qresync: { uidValidity: 67890007, modseq: 715194045001, knownUids: [{ from: 41, to: 41 }, { from: 43, to: 211 }, { from: 214, to: 541 }] } },
    }],
    ['QRESYNC with known-uids and seq-match-data', 'a SELECT INBOX (QRESYNC (67890007 715194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n', {
      select: { qresync: { uidValidity: 67890007, knownUids: [{ from: 1, to: 29997 }], seqMatch: { seqs: expect.any(Array), uids: expect.any(Array) } } },
    }],
    ['QRESYNC with seq-match-data only', 'a SELECT INBOX (QRESYNC (1 2 (1:3 5:7)))\r\n', { select: { qresync: { uidValidity: 1, modseq: 2, seqMatch: { seqs: [{ from: 1, to: 3 }], uids: [{ from: 5, to: 7 }] } } } }],
    ['CONDSTORE and QRESYNC together', 'a SELECT INBOX (CONDSTORE QRESYNC (1 2))\r\n', { select: { condstore: true, qresync: { uidValidity: 1, modseq: 2 } } }],
    ['SEARCH MODSEQ (§3.1.5)', 'a SEARCH MODSEQ 620162338\r\n', { name: 'SEARCH', criteria: [{ key: 'MODSEQ', modseq: 620162338 }] }],
    ['SEARCH MODSEQ with an entry', 'a SEARCH OR NOT MODSEQ 720162338 LARGER 50000 MODSEQ "/flags/\\\\draft" all 620162338\r\n', {
      criteria: [
        { key: 'OR', left: { key: 'NOT', operand: { key: 'MODSEQ', modseq: 720162338 } }, right: { key: 'LARGER', size: 50000 } },
        { key: 'MODSEQ', entry: { name: '/flags/\\draft', type: 'all' }, modseq: 620162338 },
      ],
    }],
    ['STATUS HIGHESTMODSEQ (§3.1.6)', 'a STATUS blurdybloop (UIDNEXT MESSAGES HIGHESTMODSEQ)\r\n', { name: 'STATUS', items: ['UIDNEXT', 'MESSAGES', 'HIGHESTMODSEQ'] }],
  ])('%s', (_label, wire, expected) => {
    const cmd = parse(wire);
    expect(cmd).toMatchObject(expected);
    expect(parseCommand(frame(serializeCommandBytes(cmd).toString()))).toEqual(cmd);
  });

  it.each([
    ['VANISHED without UID', 'a FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)\r\n'],
    ['VANISHED without CHANGEDSINCE', 'a UID FETCH 1:* (FLAGS) (VANISHED)\r\n'],
    ['CHANGEDSINCE 0', 'a FETCH 1 FLAGS (CHANGEDSINCE 0)\r\n'],
    ['a modseq above 2^63-1', 'a FETCH 1 FLAGS (CHANGEDSINCE 9223372036854775808)\r\n'],
    ['an unknown FETCH modifier', 'a FETCH 1 FLAGS (PARTIAL 1:5)\r\n'],
    ['an unknown STORE modifier', 'a STORE 1 (NEVERMIND 5) +FLAGS (\\Seen)\r\n'],
    ['UNCHANGEDSINCE without a value', 'a STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)\r\n'],
    ['an unknown SELECT parameter', 'a SELECT INBOX (FAST)\r\n'],
    ['QRESYNC without a modseq', 'a SELECT INBOX (QRESYNC (67890007))\r\n'],
    ['QRESYNC with UIDVALIDITY 0', 'a SELECT INBOX (QRESYNC (0 5))\r\n'],
    ['QRESYNC with $', 'a SELECT INBOX (QRESYNC (1 5 $))\r\n'],
    ['parameters on CREATE', 'a CREATE foo (CONDSTORE)\r\n'],
    ['MODSEQ entry that is not a flag', 'a SEARCH MODSEQ "/vendor/x" all 5\r\n'],
    ['MODSEQ entry type unknown', 'a SEARCH MODSEQ "/flags/\\\\Seen" mine 5\r\n'],
  ])('refuses %s with a syntax error', (_label, wire) => {
    try {
      parse(wire);
      throw new Error('parsed');
    } catch (err) {
      expect(isImapParseError(err)).toBe(true);
    }
  });
});
