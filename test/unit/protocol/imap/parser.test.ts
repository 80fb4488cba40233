/**
 * parseCommand table tests: exact client wire text → the typed command a handler receives, and
 * bad input → the ImapParseError (code, tag, reason) the server turns into `<tag> BAD <reason>`.
 */
import { describe, expect, it } from 'vitest';
import { CommandReader, isImapParseError, parseAuthenticateResponse, parseCommand, parseIdleDone, type RawCommand } from '../../../../src/protocol/imap/index.ts';

/** Frames `wire` (UTF-8; `latin1` to send raw bytes such as invalid UTF-8) into one command. */
function frame(wire: string, encoding: BufferEncoding = 'utf8'): RawCommand {
  const r = new CommandReader({ maxLineLength: 8192, maxLiteralSize: 1 << 20 });
  const cmds = r.feed(Buffer.from(wire, encoding)).flatMap((e) => (e.kind === 'command' ? [e.command] : []));
  expect(cmds).toHaveLength(1);
  return cmds[0]!;
}
/** A wire string holding \xff is sent as raw latin1 bytes: that byte is never valid UTF-8. */
const parse = (wire: string, utf8 = false) => parseCommand(frame(wire, /\xff/.test(wire) ? 'latin1' : 'utf8'), { utf8 });

function failure(wire: string): { code: string; tag: string | undefined; message: string; command: string | undefined } {
  try {
    parse(wire);
  } catch (err) {
    if (isImapParseError(err)) return { code: err.code, tag: err.tag, message: err.message, command: err.command };
    throw err;
  }
  throw new Error(`parsed: ${wire}`);
}

describe('parseCommand: strings and names', () => {
  it.each<[string, string, Record<string, unknown>]>([
    ['atoms', 'a1 LOGIN alice secret\r\n', { tag: 'a1', name: 'LOGIN', userid: 'alice', password: 'secret' }],
    ['lower-case command name', 'a1 login alice secret\r\n', { name: 'LOGIN', userid: 'alice' }],
    ['quoted with escapes', 'a1 LOGIN "al ice" "pa\\"ss\\\\word"\r\n', { userid: 'al ice', password: 'pa"ss\\word' }],
    ['empty quoted string', 'a1 LOGIN "" ""\r\n', { userid: '', password: '' }],
    ['synchronising literal', 'a1 LOGIN {5}\r\nalice {6}\r\nsec et\r\n', { userid: 'alice', password: 'sec et' }],
    ['LITERAL+ with UTF-8 bytes', 'a1 LOGIN {5+}\r\nJürg {2+}\r\n\r\n\r\n', { userid: 'Jürg', password: '\r\n' }],
    ['] is an ASTRING-CHAR', 'a1 LOGIN a]b c\r\n', { userid: 'a]b' }],
    ['tag with dots and digits', 'A.001 NOOP\r\n', { tag: 'A.001', name: 'NOOP' }],
    ['8-bit bytes in a quoted string (Dovecot accepts them)', 'a SEARCH TEXT "Grüße"\r\n', { criteria: [{ key: 'TEXT', value: 'Grüße' }] }],
  ])('%s', (_n, wire, expected) => {
    expect(parse(wire)).toMatchObject(expected);
  });

  it.each<[string, string, string]>([
    ['plain ASCII', 'a SELECT Archive\r\n', 'Archive'],
    ['INBOX keeps its spelling (the store folds case)', 'a SELECT inbox\r\n', 'inbox'],
    ['RFC 3501 example', 'a SELECT "~peter/mail/&U,BTFw-/&ZeVnLIqe-"\r\n', '~peter/mail/台北/日本語'],
    ['& escaped as &-', 'a SELECT "Tom &- Jerry"\r\n', 'Tom & Jerry'],
    ['German umlaut', 'a SELECT Entw&APw-rfe\r\n', 'Entwürfe'],
    ['Cyrillic', 'a CREATE &BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-\r\n', 'Отправленные'],
  ])('modified UTF-7 mailbox: %s', (_n, wire, name) => {
    expect(parse(wire)).toMatchObject({ mailbox: name });
  });

  it('after UTF8=ACCEPT names are taken verbatim', () => {
    expect(parse('a SELECT "Entwürfe"\r\n', true)).toMatchObject({ mailbox: 'Entwürfe' });
  });

  it.each<[string, string]>([
    ['unterminated shift', 'a SELECT &AOQ\r\n'],
    ['shifted plain ASCII', 'a SELECT &AGE-\r\n'],
    ['8-bit byte in a name', 'a SELECT "Entwürfe"\r\n'],
    ['two adjacent shifted runs', 'a SELECT &AOQ-&APw-\r\n'],
    ['bad base64', 'a SELECT &A!-\r\n'],
  ])('non-canonical modified UTF-7 is refused: %s', (_n, wire) => {
    expect(failure(wire)).toMatchObject({ code: 'MAILBOX_ENCODING', tag: 'a', command: 'SELECT' });
  });

  it('a bad name fails MAILBOX_ENCODING only once the rest of the command parses', () => {
    expect(failure('a LIST "" (x &AGE- y)\r\n')).toMatchObject({ code: 'MAILBOX_ENCODING', command: 'LIST' });
    expect(failure('a UID COPY 1 &AGE-\r\n')).toMatchObject({ code: 'MAILBOX_ENCODING', command: 'COPY' });
    expect(failure('a SELECT &AGE- extra\r\n')).toMatchObject({ code: 'SYNTAX' });
  });
});

describe('parseCommand: command arguments', () => {
  it.each<[string, string, Record<string, unknown>]>([
    ['AUTHENTICATE with SASL-IR', 'a AUTHENTICATE plain AGEAYg==\r\n', { mechanism: 'PLAIN', initialResponse: Buffer.from('\0a\0b') }],
    ['AUTHENTICATE with empty IR', 'a AUTHENTICATE PLAIN =\r\n', { initialResponse: Buffer.alloc(0) }],
    ['LIST with wildcards', 'a LIST "" %/*\r\n', { reference: '', patterns: ['%/*'] }],
    ['STATUS items upper-cased', 'a STATUS INBOX (messages UidNext)\r\n', { items: ['MESSAGES', 'UIDNEXT'] }],
    ['STATUS with RFC 9208 items', 'a STATUS Trash (DELETED deleted-storage)\r\n', { items: ['DELETED', 'DELETED-STORAGE'] }],
    ['APPEND with flags and date', 'a APPEND INBOX (\\Seen $Fwd) " 7-Feb-2026 10:00:00 +0100" {2+}\r\nhi\r\n', { mailbox: 'INBOX', messages: [{ flags: ['\\Seen', '$Fwd'], date: new Date('2026-02-07T09:00:00Z'), data: { kind: 'literal', bytes: Buffer.from('hi'), binary: false } }] }],
    ['APPEND bare', 'a APPEND Sent {2+}\r\nhi\r\n', { mailbox: 'Sent', messages: [{ data: { kind: 'literal', bytes: Buffer.from('hi'), binary: false } }] }],
    ['STORE +FLAGS.SILENT without parens', 'a STORE 1:* +FLAGS.SILENT \\Deleted \\Seen\r\n', { operation: 'add', silent: true, flags: ['\\Deleted', '\\Seen'], sequence: [{ from: 1, to: '*' }] }],
    ['UID STORE -FLAGS', 'a UID STORE 5,7:9 -FLAGS (\\Flagged)\r\n', { uid: true, operation: 'remove', silent: false, sequence: [{ from: 5, to: 5 }, { from: 7, to: 9 }] }],
    ['UID EXPUNGE', 'a UID EXPUNGE 3:4\r\n', { name: 'EXPUNGE', uid: true, sequence: [{ from: 3, to: 4 }] }],
    ['UID MOVE', 'a uid move 1 Trash\r\n', { name: 'MOVE', uid: true, mailbox: 'Trash' }],
    ['ID pairs', 'a ID ("name" "imapflow" "version" NIL)\r\n', { params: [{ key: 'name', value: 'imapflow' }, { key: 'version', value: null }] }],
    ['ENABLE several', 'a ENABLE condstore UTF8=ACCEPT\r\n', { capabilities: ['CONDSTORE', 'UTF8=ACCEPT'] }],
    ['GETQUOTA ""', 'a GETQUOTA ""\r\n', { name: 'GETQUOTA', mailbox: '' }],
  ])('%s', (_n, wire, expected) => {
    expect(parse(wire)).toMatchObject(expected);
  });

  it.each<[string, string, unknown[]]>([
    ['macro FAST', 'a FETCH 1 FAST\r\n', [{ kind: 'FLAGS' }, { kind: 'INTERNALDATE' }, { kind: 'RFC822.SIZE' }]],
    ['single att without parens', 'a FETCH 1 rfc822.size\r\n', [{ kind: 'RFC822.SIZE' }]],
    ['BODY.PEEK with header fields and partial', 'a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From "To")]<0.100>)\r\n', [{ kind: 'BODY[]', peek: true, section: { part: [], text: 'HEADER.FIELDS', fields: ['From', 'To'] }, partial: { offset: 0, length: 100 } }]],
    ['part path with MIME', 'a FETCH 1 BODY[1.2.MIME]\r\n', [{ kind: 'BODY[]', peek: false, section: { part: [1, 2], text: 'MIME' } }]],
    ['whole message and BODYSTRUCTURE', 'a FETCH 1 (BODY[] BODYSTRUCTURE UID)\r\n', [{ kind: 'BODY[]', peek: false, section: { part: [] } }, { kind: 'BODYSTRUCTURE' }, { kind: 'UID' }]],
    ['RFC 3516 BINARY, BINARY.PEEK with partial, BINARY.SIZE', 'a FETCH 1 (BINARY[1.2] binary.peek[]<5.10> BINARY.SIZE[3])\r\n', [{ kind: 'BINARY[]', peek: false, part: [1, 2] }, { kind: 'BINARY[]', peek: true, part: [], partial: { offset: 5, length: 10 } }, { kind: 'BINARY.SIZE', part: [3] }]],
    ['single BINARY.SIZE without parens', 'a FETCH 1 BINARY.SIZE[]\r\n', [{ kind: 'BINARY.SIZE', part: [] }]],
  ])('FETCH %s', (_n, wire, items) => {
    expect(parse(wire)).toMatchObject({ name: 'FETCH', items });
  });

  it.each<[string, string, unknown]>([
    ['flags and strings', 'a SEARCH UNSEEN FROM "Bob Smith"\r\n', [{ key: 'UNSEEN' }, { key: 'FROM', value: 'Bob Smith' }]],
    ['OR and NOT nest', 'a SEARCH OR SEEN NOT FLAGGED\r\n', [{ key: 'OR', left: { key: 'SEEN' }, right: { key: 'NOT', operand: { key: 'FLAGGED' } } }]],
    ['group, sequence set and UID', 'a SEARCH (1:3 UID 7:*)\r\n', [{ key: 'AND', operands: [{ key: 'SEQ', set: [{ from: 1, to: 3 }] }, { key: 'UID', set: [{ from: 7, to: '*' }] }] }]],
    ['dates quoted or not', 'a SEARCH SINCE 1-Feb-2026 BEFORE "10-Mar-2026"\r\n', [{ key: 'SINCE', date: { year: 2026, month: 2, day: 1 } }, { key: 'BEFORE', date: { year: 2026, month: 3, day: 10 } }]],
    ['HEADER, LARGER, KEYWORD', 'a SEARCH HEADER X-Spam yes LARGER 1000 KEYWORD $Junk\r\n', [{ key: 'HEADER', field: 'X-Spam', value: 'yes' }, { key: 'LARGER', size: 1000 }, { key: 'KEYWORD', flag: '$Junk' }]],
    ['literal argument', 'a SEARCH CHARSET UTF-8 SUBJECT {6+}\r\nGrüß\r\n', [{ key: 'SUBJECT', value: 'Grüß' }]],
  ])('SEARCH %s', (_n, wire, criteria) => {
    expect(parse(wire)).toMatchObject({ name: 'SEARCH', criteria });
  });

  it('SORT (RFC 5256 §5): criteria with REVERSE, the mandatory charset, ESORT RETURN with PARTIAL', () => {
    expect(parse('a UID SORT (REVERSE DATE subject) utf-8 UNSEEN\r\n')).toEqual({
      tag: 'a', name: 'SORT', uid: true, criteria: [{ key: 'DATE', reverse: true }, { key: 'SUBJECT', reverse: false }], charset: 'UTF-8', search: [{ key: 'UNSEEN' }],
    });
    expect(parse('a SORT RETURN (MIN PARTIAL 9:3) (DISPLAYFROM) UTF-8 ALL\r\n')).toMatchObject({ returnOptions: ['MIN', 'PARTIAL'], partial: { low: 3, high: 9 } });
    for (const bad of ['a SORT (DATE) \r\n', 'a SORT DATE UTF-8 ALL\r\n', 'a SORT (REVERSE REVERSE DATE) UTF-8 ALL\r\n', 'a SORT RETURN (PARTIAL 0:5) (DATE) UTF-8 ALL\r\n', 'a SORT (DATE) UTF-8\r\n']) {
      expect(() => parse(bad), bad).toThrow();
    }
  });

  it('THREAD (RFC 5256 §5): algorithm, charset, criteria', () => {
    expect(parse('a THREAD references US-ASCII SINCE 1-Feb-2026\r\n')).toEqual({ tag: 'a', name: 'THREAD', uid: false, algorithm: 'REFERENCES', charset: 'US-ASCII', search: [{ key: 'SINCE', date: { year: 2026, month: 2, day: 1 } }] });
    expect(() => parse('a THREAD REFS UTF-8 ALL\r\n')).toThrow(/Unknown thread algorithm/);
  });

  it('SEARCH keeps CHARSET and ESEARCH RETURN options', () => {
    expect(parse('a UID SEARCH RETURN (min COUNT) CHARSET utf-8 ALL\r\n')).toMatchObject({ uid: true, returnOptions: ['MIN', 'COUNT'], charset: 'UTF-8', criteria: [{ key: 'ALL' }] });
  });
});

describe('parseCommand: bad input → BAD with a reason', () => {
  it.each<[string, string, string | undefined, RegExp]>([
    ['no tag', ' NOOP\r\n', undefined, /tag/],
    ['tag with +', 'a+ NOOP\r\n', undefined, /tag/],
    ['tag only', 'a1\r\n', 'a1', /Missing command/],
    ['unknown command', 'a1 FROB x\r\n', 'a1', /Unknown command FROB/],
    ['UID with a command that has no UID form', 'a1 UID SELECT INBOX\r\n', 'a1', /Unknown command UID SELECT/],
    ['missing argument', 'a1 SELECT\r\n', 'a1', /Expected SP/],
    ['extra argument', 'a1 NOOP now\r\n', 'a1', /Unexpected characters/],
    ['double space', 'a1 LOGIN  a b\r\n', 'a1', /Expected string/],
    ['unterminated quoted string', 'a1 LOGIN "abc b\r\n', 'a1', /Unterminated quoted string/],
    ['bad escape', 'a1 LOGIN "a\\b" c\r\n', 'a1', /Invalid escape/],
    ['NUL in a literal string', 'a1 LOGIN {3+}\r\na\0b c\r\n', 'a1', /NUL/],
    ['invalid UTF-8 in a string', 'a1 LOGIN "\xff" c\r\n', 'a1', /UTF-8/],
    ['sequence number 0', 'a1 FETCH 0 FLAGS\r\n', 'a1', /sequence set/],
    ['sequence set 1:2:3', 'a1 FETCH 1:2:3 FLAGS\r\n', 'a1', /sequence set/],
    ['number beyond 2^32', 'a1 FETCH 4294967296 FLAGS\r\n', 'a1', /sequence set/],
    ['unknown FETCH item', 'a1 FETCH 1 (FLAGS COLOUR)\r\n', 'a1', /FETCH attribute/],
    ['empty FETCH list', 'a1 FETCH 1 ()\r\n', 'a1', /Empty list/],
    ['MIME without a part', 'a1 FETCH 1 BODY[MIME]\r\n', 'a1', /section/],
    ['partial length 0', 'a1 FETCH 1 BODY[]<0.0>\r\n', 'a1', /non-zero/],
    ['BODY.PEEK without section', 'a1 FETCH 1 BODY.PEEK\r\n', 'a1', /Expected \[/],
    ['STORE with an unknown item', 'a1 STORE 1 LABELS (x)\r\n', 'a1', /FLAGS/],
    ['unknown STATUS item', 'a1 STATUS INBOX (COLOUR)\r\n', 'a1', /status item/],
    ['impossible date', 'a1 SEARCH ON 31-Feb-2026\r\n', 'a1', /Invalid date/],
    ['unknown search key', 'a1 SEARCH COLOUR red\r\n', 'a1', /search key/],
    ['BINARY with a section-text (RFC 3516 §4.2: parts only)', 'a1 FETCH 1 BINARY[1.TEXT]\r\n', 'a1', /Expected number/],
    ['BINARY.SIZE with a partial', 'a1 FETCH 1 BINARY.SIZE[1]<0.5>\r\n', 'a1', /Expected \)|Unexpected/],
    ['BINARY without a section', 'a1 FETCH 1 BINARY\r\n', 'a1', /Expected \[/],
    ['literal8 outside message data', 'a1 LOGIN ~{2+}\r\nhi x\r\n', 'a1', /literal8/],
    ['APPEND with a bad date-time', 'a1 APPEND INBOX "yesterday" {2+}\r\nhi\r\n', 'a1', /date-time/],
    ['LOGIN with invalid base64 AUTHENTICATE IR', 'a1 AUTHENTICATE PLAIN A===\r\n', 'a1', /base64/],
    ['too many ID pairs', `a1 ID (${Array.from({ length: 31 }, (_, i) => `"k${i}" "v"`).join(' ')})\r\n`, 'a1', /Too many ID/],
  ])('%s', (_n, wire, tag, reason) => {
    const e = failure(wire);
    expect(e.tag).toBe(tag);
    expect(e.message).toMatch(reason);
    expect(e.message).toMatch(/^[\x20-\x7e]+$/); // safe to send verbatim after BAD
  });

  it('search nesting is bounded (no stack exhaustion from input)', () => {
    expect(failure(`a SEARCH ${'NOT '.repeat(200)}ALL\r\n`).message).toMatch(/nested too deeply/);
  });
});

describe('continuation lines', () => {
  it('IDLE accepts DONE in any case and nothing else', () => {
    expect(() => parseIdleDone(frame('done\r\n'))).not.toThrow();
    expect(() => parseIdleDone(frame('a NOOP\r\n'))).toThrow(/Expected DONE/);
  });

  it('AUTHENTICATE responses: base64, empty, or * to cancel', () => {
    expect(parseAuthenticateResponse(frame('AGFAYgBj\r\n'))).toEqual({ cancelled: false, data: Buffer.from('\0a@b\0c') });
    expect(parseAuthenticateResponse(frame('\r\n'))).toEqual({ cancelled: false, data: Buffer.alloc(0) });
    expect(parseAuthenticateResponse(frame('*\r\n'))).toEqual({ cancelled: true });
    expect(() => parseAuthenticateResponse(frame('not base64!\r\n'))).toThrow();
  });
});
