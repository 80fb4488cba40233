/**
 * Property tests of the IMAP wire layer (fast-check): parse ∘ serialize = identity for commands
 * (strings needing quoting or literals, non-ASCII mailbox names through modified UTF-7, flags,
 * sequence sets, FETCH items, SEARCH keys, LIST-EXTENDED options) and for sequence sets alone;
 * and the framer gives the same commands however the bytes are split into TCP chunks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandReader, STATUS_ITEMS, formatSequenceSet, parseCommand, parseSequenceSet, serializeCommandBytes, SORT_KEYS, THREAD_ALGORITHMS, type Command, type RawCommand, type SearchKey, type SequenceSet } from '../../../../src/protocol/imap/index.ts';

const tag = fc.stringMatching(/^[A-Za-z0-9.]{1,8}$/);
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0') && !/[\r\n]/.test(s));
const ascii = fc.stringMatching(/^[\x20-\x7e]{0,16}$/);
const mailbox = fc.oneof(fc.constant('INBOX'), fc.stringMatching(/^[A-Za-z][A-Za-z0-9 &._-]{0,10}(\/[A-Za-z0-9]{1,6})?$/), fc.constantFrom('Entwürfe', 'Отправленные', '日本語', 'a&b'));
const num = fc.integer({ min: 1, max: 100_000 });
const seqNumber = fc.oneof(num, fc.constant('*' as const));
const seqSet: fc.Arbitrary<Exclude<SequenceSet, '$'>> = fc.array(fc.record({ from: seqNumber, to: seqNumber }), { minLength: 1, maxLength: 4 });
const flag = fc.constantFrom('\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '$Forwarded', 'NonJunk');
const flags = fc.uniqueArray(flag, { minLength: 1, maxLength: 4 });

const searchKey: fc.Arbitrary<SearchKey> = fc.letrec<{ key: SearchKey }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<SearchKey>({ key: 'ALL' }, { key: 'SEEN' }, { key: 'UNSEEN' }, { key: 'FLAGGED' }, { key: 'DELETED' }, { key: 'NEW' }),
    fc.record({ key: fc.constantFrom('FROM' as const, 'SUBJECT' as const, 'BODY' as const, 'TEXT' as const, 'TO' as const), value: text }),
    fc.record({ key: fc.constant('LARGER' as const), size: num }),
    fc.record({ key: fc.constant('UID' as const), set: seqSet }),
    fc.record({ key: fc.constant('NOT' as const), operand: tie('key') }),
    fc.record({ key: fc.constant('OR' as const), left: tie('key'), right: tie('key') }),
  ),
})).key;

const notifyGroup = fc.record({
  filter: fc.oneof(
    fc.record({ kind: fc.constantFrom('SELECTED' as const, 'SELECTED-DELAYED' as const, 'INBOXES' as const, 'PERSONAL' as const, 'SUBSCRIBED' as const) }),
    fc.record({ kind: fc.constantFrom('SUBTREE' as const, 'MAILBOXES' as const), mailboxes: fc.array(mailbox, { minLength: 1, maxLength: 3 }) }),
  ),
  events: fc.option(
    fc.constantFrom(
      [{ name: 'MessageNew' }, { name: 'MessageExpunge' }],
      [{ name: 'MessageNew', fetch: [{ kind: 'UID' as const }, { kind: 'FLAGS' as const }] }, { name: 'MessageExpunge' }, { name: 'FlagChange' }],
      [{ name: 'MailboxName' }, { name: 'SubscriptionChange' }],
    ),
    { nil: null },
  ),
});

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ tag, name: fc.constant('LOGIN' as const), userid: text, password: text }),
  fc.record({ tag, name: fc.constantFrom('SELECT' as const, 'EXAMINE' as const, 'CREATE' as const, 'DELETE' as const, 'SUBSCRIBE' as const), mailbox }),
  fc.record({ tag, name: fc.constant('RENAME' as const), mailbox, newName: mailbox }),
  fc.record({ tag, name: fc.constantFrom('LIST' as const, 'LSUB' as const), reference: ascii, patterns: fc.constantFrom(['*'], ['%'], ['INBOX'], ['Archive/%']) }),
  fc.record(
    {
      tag, name: fc.constant('LIST' as const), reference: ascii,
      patterns: fc.array(fc.oneof(fc.constantFrom('*', '%', 'Sent*', 'Archive/%'), mailbox), { minLength: 1, maxLength: 3 }),
      selection: fc.constantFrom([], ['SPECIAL-USE'], ['REMOTE'], ['SUBSCRIBED', 'RECURSIVEMATCH'], ['SPECIAL-USE', 'RECURSIVEMATCH', 'REMOTE']),
      returnOptions: fc.array(fc.oneof(fc.constantFrom({ option: 'SUBSCRIBED' as const }, { option: 'CHILDREN' as const }, { option: 'SPECIAL-USE' as const }), fc.record({ option: fc.constant('STATUS' as const), items: fc.uniqueArray(fc.constantFrom(...STATUS_ITEMS), { minLength: 1 }) })), { maxLength: 3 }),
    },
    { requiredKeys: ['tag', 'name', 'reference', 'patterns'] },
  ),
  fc.record({ tag, name: fc.constant('STATUS' as const), mailbox, items: fc.uniqueArray(fc.constantFrom(...STATUS_ITEMS), { minLength: 1 }) }),
  fc.record({ tag, name: fc.constant('STORE' as const), uid: fc.boolean(), sequence: seqSet, operation: fc.constantFrom('add' as const, 'remove' as const, 'replace' as const), silent: fc.boolean(), flags }),
  fc.record({ tag, name: fc.constantFrom('COPY' as const, 'MOVE' as const), uid: fc.boolean(), sequence: seqSet, mailbox }),
  fc.record({ tag, name: fc.constant('FETCH' as const), uid: fc.boolean(), sequence: seqSet, items: fc.uniqueArray(fc.constantFrom({ kind: 'FLAGS' as const }, { kind: 'UID' as const }, { kind: 'RFC822.SIZE' as const }, { kind: 'ENVELOPE' as const }, { kind: 'BODYSTRUCTURE' as const }, { kind: 'BINARY[]' as const, peek: true, part: [1, 2], partial: { offset: 3, length: 9 } }, { kind: 'BINARY.SIZE' as const, part: [] }), { minLength: 1, selector: (x) => x.kind }) }),
  fc.record({ tag, name: fc.constant('SEARCH' as const), uid: fc.boolean(), criteria: fc.array(searchKey, { minLength: 1, maxLength: 3 }) }),
  fc.record({
    tag, name: fc.constant('SORT' as const), uid: fc.boolean(),
    criteria: fc.array(fc.record({ key: fc.constantFrom(...SORT_KEYS), reverse: fc.boolean() }), { minLength: 1, maxLength: 3 }),
    charset: fc.constantFrom('UTF-8', 'US-ASCII'), search: fc.array(searchKey, { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    tag, name: fc.constant('SORT' as const), uid: fc.boolean(), returnOptions: fc.constantFrom(['MIN', 'COUNT'], ['ALL'], []),
    criteria: fc.array(fc.record({ key: fc.constantFrom(...SORT_KEYS), reverse: fc.boolean() }), { minLength: 1, maxLength: 2 }),
    charset: fc.constant('UTF-8'), search: fc.array(searchKey, { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ tag, name: fc.constant('THREAD' as const), uid: fc.boolean(), algorithm: fc.constantFrom(...THREAD_ALGORITHMS), charset: fc.constantFrom('UTF-8', 'US-ASCII'), search: fc.array(searchKey, { minLength: 1, maxLength: 2 }) }),
  fc.record({ tag, name: fc.constantFrom('NOOP' as const, 'CAPABILITY' as const, 'IDLE' as const, 'CHECK' as const, 'UNSELECT' as const) }),
  fc.record({ tag, name: fc.constant('CANCELUPDATE' as const), tags: fc.array(tag, { minLength: 1, maxLength: 3 }) }),
  fc.record({ tag, name: fc.constant('NOTIFY' as const), set: fc.option(fc.record({ status: fc.boolean(), groups: fc.array(notifyGroup, { minLength: 1, maxLength: 3 }) }), { nil: null }) }),
) as fc.Arbitrary<Command>;

function frame(bytes: Buffer, cut: number[] = []): RawCommand[] {
  const r = new CommandReader({ maxLineLength: 1 << 16, maxLiteralSize: 1 << 20 });
  const out: RawCommand[] = [];
  let at = 0;
  for (const c of [...cut.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
    for (const ev of r.feed(bytes.subarray(at, c))) if (ev.kind === 'command') out.push(ev.command);
    at = c;
  }
  return out;
}

describe('IMAP wire round trips', () => {
  it('parse(serialize(command)) = command', () => {
    fc.assert(
      fc.property(command, (c) => {
        const raws = frame(serializeCommandBytes(c, { literalPlus: true }));
        expect(raws).toHaveLength(1);
        expect(parseCommand(raws[0]!)).toEqual(c);
      }),
      { numRuns: 500 },
    );
  });

  it('the same commands come out however the bytes are cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 8 }), (cmds, cuts) => {
        const bytes = Buffer.concat(cmds.map((c) => serializeCommandBytes(c, { literalPlus: true })));
        expect(frame(bytes, cuts).map((r) => parseCommand(r))).toEqual(cmds);
      }),
      { numRuns: 200 },
    );
  });

  it('parseSequenceSet(formatSequenceSet(set)) = set', () => {
    fc.assert(
      fc.property(seqSet, (set) => {
        expect(parseSequenceSet(formatSequenceSet(set))).toEqual(set);
      }),
      { numRuns: 500 },
    );
  });
});
