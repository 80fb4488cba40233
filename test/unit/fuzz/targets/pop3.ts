/**
 * POP3 input: the line framer (LineReader), the command parser, then a whole Pop3Session on the
 * memory store (the real command modules, maildrop and UPDATE state) in-process, fed the lines.
 * Properties: nothing throws (the session answers every line; an internal failure is logged at
 * error level, which fails here), the framer holds at most one line, chunking does not change the
 * lines, parsed commands obey the grammar, and every write is whole CRLF lines that begin with
 * +OK, -ERR or a SASL "+ " continuation, none after the session closed.
 */
import assert from 'node:assert/strict';
import { LineReader, type LineEvent } from '../../../../src/protocol/pop3/reader.ts';
import { parseCommand } from '../../../../src/protocol/pop3/parser.ts';
import { Pop3Session, type Pop3Io } from '../../../../src/protocol/pop3/session.ts';
import { MemoryStore } from '../../../../src/storage/memory/store.ts';
import { INBOX } from '../../../../src/storage/types.ts';
import { parseAccount } from '../../../../src/util/account.ts';
import { StorePop3Hooks } from '../../../../worker/pop3/store-hooks.ts';
import { chunked, corpusLines, LINE_TOKENS } from '../mutate.ts';
import { bounded } from '../bounded.ts';
import { cutsOf, lineSeeds, type FuzzTarget } from './target.ts';

const MAX_LINE = 255;
const PASSWORDS = new Set(['pass', 'a pass word with spaces']);
const MESSAGES = [
  'Subject: one\r\n\r\nfirst body\r\n',
  'Subject: two\r\n\r\n.starts with a dot\r\n..two\r\n.\r\nend\r\n',
  'Subject: three\n\nbare LF\nno final line end',
];

const show = (e: LineEvent): string => (e.kind === 'line' ? `L${e.line.toString('latin1')}` : '!');

/** The lines, checked for chunking independence and the framer's bound. */
function frame(input: Buffer, cuts: number[]): LineEvent[] {
  const expected = bounded('pop3 framer', () => new LineReader(MAX_LINE).feed(input));
  const pieces = new LineReader(MAX_LINE);
  const got: LineEvent[] = [];
  for (const chunk of chunked(input, cuts)) {
    got.push(...pieces.feed(chunk));
    assert.ok(pieces.buffered().length <= MAX_LINE, `framer holds ${pieces.buffered().length} bytes`);
  }
  assert.deepEqual(got.map(show), expected.map(show), 'framing depends on chunking');
  return expected;
}

function checkGrammar(line: Buffer): void {
  const r = bounded('pop3 parseCommand', () => parseCommand(line.toString('latin1')));
  if (!r.ok) return;
  assert.match(r.command.verb, /^[A-Z]{3,4}$/);
  for (const a of r.command.args) {
    assert.ok(a.length > 0 && !a.includes(' '), `argument ${JSON.stringify(a)}`);
    if (!['USER', 'PASS', 'AUTH'].includes(r.command.verb)) assert.ok(a.length <= 40);
  }
}

/** Every write: CRLF lines only, the first one a POP3 status or a SASL continuation. */
function checkReply(data: Buffer): void {
  const text = data.toString('latin1');
  assert.ok(text.endsWith('\r\n'), `reply without CRLF: ${JSON.stringify(text.slice(-40))}`);
  assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(text), 'bare CR or LF in a reply');
  assert.match(text, /^(\+OK|-ERR|\+ )/);
}

async function session(lines: LineEvent[]): Promise<void> {
  const store = new MemoryStore();
  const acct = await store.openAccount(parseAccount('alice@example.test'));
  for (const m of MESSAGES) await acct.appendMessage(INBOX, Buffer.from(m, 'latin1'));
  const hooks = new StorePop3Hooks({ store, checkPassword: async (a, p) => a === 'alice@example.test' && PASSWORDS.has(p) });
  let closed = false;
  const failures: string[] = [];
  const io: Pop3Io = {
    write: (data) => {
      assert.ok(!closed, 'write after close');
      checkReply(data);
    },
    secure: false,
    proxy: () => Promise.reject(new Error('no proxy in this test')),
    setMaxLine: (n) => assert.ok(n >= MAX_LINE && n <= 64 * 1024, `line limit ${n}`),
    close: () => void (closed = true),
    log: (level, fields, msg) => {
      if (level === 'error') failures.push(`${msg}: ${String((fields as { err?: unknown }).err)}`);
    },
  };
  // failed logins wait 200 ms each (commands/auth.ts): two per session keep an input under the watchdog
  const s = new Pop3Session(io, { hooks, allowPlaintextAuth: true, maxBadCommands: 20, maxLineLength: MAX_LINE, maxLoginFailures: 2 });
  try {
    for (const ev of lines) {
      if (closed) break;
      if (ev.kind === 'line') await s.handle(ev.line);
      else s.lineTooLong(MAX_LINE);
    }
  } finally {
    s.dropped();
  }
  assert.deepEqual(failures, [], 'internal failure in the session');
}

export const pop3Target: FuzzTarget<Promise<void>> = {
  name: 'pop3',
  seeds: () => lineSeeds(corpusLines('pop3.txt')),
  tokens: LINE_TOKENS,
  async run(input, cuts = cutsOf(input)) {
    const lines = frame(input, cuts);
    for (const ev of lines) if (ev.kind === 'line') checkGrammar(ev.line);
    await session(lines);
  },
};
