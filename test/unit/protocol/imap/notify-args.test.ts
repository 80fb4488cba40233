/**
 * NOTIFY (RFC 5465 §8) and CANCELUPDATE (RFC 5267 §5) arguments: the grammar's corners — (STATUS)
 * against a first event group, MessageNew's fetch attributes, NONE for events, one or many
 * mailboxes, case-insensitive names — and what is BAD.
 */
import { describe, expect, it } from 'vitest';
import { CommandReader, parseCommand, type RawCommand } from '../../../../src/protocol/imap/index.ts';

function frame(wire: string): RawCommand {
  const r = new CommandReader({ maxLineLength: 8192, maxLiteralSize: 1 << 20 });
  const cmds = r.feed(Buffer.from(wire)).flatMap((e) => (e.kind === 'command' ? [e.command] : []));
  return cmds[0]!;
}
const parse = (wire: string) => parseCommand(frame(wire));

describe('NOTIFY arguments', () => {
  it('parses SET with (STATUS), each filter, fetch attributes and NONE', () => {
    expect(parse('a NOTIFY SET (STATUS) (selected (MessageNew (UID BODY.PEEK[HEADER]) messageexpunge)) (subtree (Work "Play x") NONE) (MAILBOXES inbox (MailboxName))\r\n')).toEqual({
      tag: 'a', name: 'NOTIFY', set: {
        status: true,
        groups: [
          { filter: { kind: 'SELECTED' }, events: [{ name: 'MessageNew', fetch: [{ kind: 'UID' }, { kind: 'BODY[]', peek: true, section: { part: [], text: 'HEADER' } }] }, { name: 'MessageExpunge' }] },
          { filter: { kind: 'SUBTREE', mailboxes: ['Work', 'Play x'] }, events: null },
          { filter: { kind: 'MAILBOXES', mailboxes: ['inbox'] }, events: [{ name: 'MailboxName' }] },
        ],
      },
    });
    expect(parse('a NOTIFY SET (PERSONAL (MessageNew MessageExpunge))\r\n')).toEqual({ tag: 'a', name: 'NOTIFY', set: { status: false, groups: [{ filter: { kind: 'PERSONAL' }, events: [{ name: 'MessageNew' }, { name: 'MessageExpunge' }] }] } });
    expect(parse('a notify none\r\n')).toEqual({ tag: 'a', name: 'NOTIFY', set: null });
  });

  it('is BAD for an unknown filter, a missing group, empty events, fetch attributes after another event, trailing text', () => {
    for (const wire of ['a NOTIFY SET (ELSEWHERE (MailboxName))', 'a NOTIFY SET', 'a NOTIFY SET (STATUS)', 'a NOTIFY SET (PERSONAL ())', 'a NOTIFY SET (PERSONAL (MessageExpunge (UID)))', 'a NOTIFY NONE x', 'a NOTIFY']) {
      expect(() => parse(`${wire}\r\n`), wire).toThrow();
    }
  });
});

describe('CANCELUPDATE arguments', () => {
  it('takes one or more tags as strings', () => {
    expect(parse('a CANCELUPDATE "t1" "t2"\r\n')).toEqual({ tag: 'a', name: 'CANCELUPDATE', tags: ['t1', 't2'] });
    expect(() => parse('a CANCELUPDATE\r\n')).toThrow();
  });
});
