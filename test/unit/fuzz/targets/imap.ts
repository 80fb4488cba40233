/**
 * IMAP input: the framer (CommandReader), then the command parser and the AUTHENTICATE response
 * parser. Properties (as in imap-input.fuzz.test.ts): only ImapParseError escapes the parsers, the
 * framer holds no more than its limits, and chunking does not change the framing.
 */
import assert from 'node:assert/strict';
import { CommandReader, ImapParseError, parseAuthenticateResponse, parseCommand, type ReaderEvent } from '../../../../src/protocol/imap/index.ts';
import { chunked, corpusLines, IMAP_TOKENS } from '../mutate.ts';
import { bounded } from '../bounded.ts';
import { cutsOf, lineSeeds, type FuzzTarget } from './target.ts';

const LIMITS = { maxLineLength: 8192, maxLiteralSize: 64 * 1024 };
const MAX_BUFFERED = LIMITS.maxLiteralSize + 5 * LIMITS.maxLineLength + 2;

function show(ev: ReaderEvent): string {
  if (ev.kind === 'command') return `C${Buffer.concat([...ev.command.lines, ...ev.command.literals]).toString('latin1')}`;
  if (ev.kind === 'continue') return `+${ev.tag}:${ev.size}`;
  return `!${ev.error.code}:${ev.error.tag}`;
}

function declared<T>(f: () => T): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof ImapParseError)) throw err;
  }
}

export const imapTarget: FuzzTarget<void> = {
  name: 'imap',
  seeds: () => lineSeeds(corpusLines('imap.txt')),
  tokens: IMAP_TOKENS,
  run(input, cuts = cutsOf(input)) {
    const expected = bounded('imap framer', () => new CommandReader(LIMITS).feed(input));
    const pieces = new CommandReader(LIMITS);
    const got: ReaderEvent[] = [];
    for (const chunk of chunked(input, cuts)) {
      got.push(...pieces.feed(chunk));
      assert.ok(pieces.bufferedBytes <= MAX_BUFFERED, `framer holds ${pieces.bufferedBytes} bytes`);
    }
    assert.deepEqual(got.map(show), expected.map(show), 'framing depends on chunking');
    for (const ev of expected) {
      if (ev.kind !== 'command') continue;
      for (const lit of ev.command.literals) assert.ok(lit.length <= LIMITS.maxLiteralSize);
      bounded('imap parseCommand', () => declared(() => parseCommand(ev.command)));
      bounded('imap parseAuthenticateResponse', () => declared(() => parseAuthenticateResponse(ev.command)));
    }
  },
};
