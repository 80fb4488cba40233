/**
 * FETCH attributes (RFC 3501 §6.4.5 / §9, RFC 9051 §6.4.5):
 *
 *   fetch     = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
 *               "(" fetch-att *(SP fetch-att) ")")
 *   fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
 *               "BODY" ["STRUCTURE"] / "UID" / "BODY" section [partial] / "BODY.PEEK" section [partial]
 *   section   = "[" [section-spec] "]"
 *   section-spec = section-msgtext / (section-part ["." section-text])
 *   section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
 *   section-text = section-msgtext / "MIME"          section-part = nz-number *("." nz-number)
 *   header-list = "(" header-fld-name *(SP header-fld-name) ")"   ; header-fld-name = astring
 *   partial   = "<" number "." nz-number ">"
 *   fetch-att =/ "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary
 *   section-binary = "[" [section-part] "]"                       ; RFC 3516 §4.2
 *
 * Macros expand here: FAST = FLAGS INTERNALDATE RFC822.SIZE; ALL = FAST + ENVELOPE; FULL = ALL + BODY.
 * MODSEQ and the modifiers `(CHANGEDSINCE n [VANISHED])` are RFC 7162's (condstore-args.ts).
 * Not supported: PREVIEW (RFC 8970).
 */
import { isAtomChar } from '../chars.ts';
import { ImapParseError } from '../errors.ts';
import { Scanner } from '../lexer.ts';
import { SIMPLE_FETCH_ATTS, type BinaryAtt, type BodySectionAtt, type ByteRange, type FetchAtt, type FetchCommand, type Section, type SimpleFetchAttName } from '../types.ts';
import type { WireWriter } from '../wire-writer.ts';
import { parseSequence, writeSequence, type ParseContext } from './common.ts';
import { parseFetchModifiers, writeFetchModifiers } from './condstore-args.ts';

const FAST: FetchAtt[] = [{ kind: 'FLAGS' }, { kind: 'INTERNALDATE' }, { kind: 'RFC822.SIZE' }];
const ALL: FetchAtt[] = [...FAST, { kind: 'ENVELOPE' }];
const MACROS: Record<string, FetchAtt[]> = { FAST, ALL, FULL: [...ALL, { kind: 'BODY' }] };

const isNameChar = (c: number): boolean => isAtomChar(c) && c !== 0x5b && c !== 0x3c; // not [ <
const isSectionWordChar = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e;

export function parseFetch(s: Scanner, ctx: ParseContext): FetchCommand {
  s.sp();
  const sequence = parseSequence(s);
  s.sp();
  let items: FetchAtt[];
  if (s.peek() === 0x28) items = s.list(() => parseFetchAtt(s), false);
  else {
    const name = s.takeWhile(isNameChar).toUpperCase();
    const macro = MACROS[name];
    items = macro !== undefined ? macro.map((a) => ({ ...a })) : [attNamed(s, name)];
  }
  const cmd: FetchCommand = { tag: ctx.tag, name: 'FETCH', uid: ctx.uid, sequence, items };
  if (s.accept(0x20)) parseFetchModifiers(s, ctx, cmd);
  return cmd;
}

export function parseFetchAtt(s: Scanner): FetchAtt {
  return attNamed(s, s.takeWhile(isNameChar).toUpperCase());
}

/** The rest of a fetch-att whose (upper-cased) name has been read. */
function attNamed(s: Scanner, name: string): FetchAtt {
  if (name === 'BODY' || name === 'BODY.PEEK') {
    if (s.peek() === 0x5b) {
      const att: BodySectionAtt = { kind: 'BODY[]', peek: name === 'BODY.PEEK', section: parseSection(s) };
      const partial = parsePartial(s);
      if (partial) att.partial = partial;
      return att;
    }
    if (name === 'BODY.PEEK') s.fail('Expected [ after BODY.PEEK');
  }
  if (name === 'BINARY' || name === 'BINARY.PEEK') {
    const att: BinaryAtt = { kind: 'BINARY[]', peek: name === 'BINARY.PEEK', part: parseSectionBinary(s) };
    const partial = parsePartial(s);
    if (partial) att.partial = partial;
    return att;
  }
  if (name === 'BINARY.SIZE') return { kind: 'BINARY.SIZE', part: parseSectionBinary(s) };
  if (!(SIMPLE_FETCH_ATTS as readonly string[]).includes(name)) s.fail('Unknown FETCH attribute');
  return { kind: name as SimpleFetchAttName };
}

/** `partial = "<" number "." nz-number ">"`, if next. */
function parsePartial(s: Scanner): ByteRange | undefined {
  if (!s.accept(0x3c)) return undefined;
  const offset = s.number();
  s.expect(0x2e, '.');
  const length = s.nzNumber();
  s.expect(0x3e, '>');
  return { offset, length };
}

/** `section-binary = "[" [section-part] "]"` */
function parseSectionBinary(s: Scanner): number[] {
  s.expect(0x5b, '[');
  const part: number[] = [];
  if (!s.accept(0x5d)) {
    do part.push(s.nzNumber());
    while (s.accept(0x2e));
    s.expect(0x5d, ']');
  }
  return part;
}

function parseSection(s: Scanner): Section {
  s.expect(0x5b, '[');
  const part: number[] = [];
  let text = '';
  if (s.peek() >= 0x30 && s.peek() <= 0x39) {
    part.push(s.nzNumber());
    while (s.accept(0x2e)) {
      if (s.peek() >= 0x30 && s.peek() <= 0x39) part.push(s.nzNumber());
      else {
        text = s.takeWhile(isSectionWordChar).toUpperCase();
        if (text.length === 0) s.fail('Invalid section');
        break;
      }
    }
  } else if (s.peek() !== 0x5d) text = s.takeWhile(isSectionWordChar).toUpperCase();
  let section: Section;
  if (text === '') section = { part };
  else if (text === 'HEADER' || text === 'TEXT' || (text === 'MIME' && part.length > 0)) section = { part, text };
  else if (text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT') {
    s.sp();
    section = { part, text, fields: s.list(() => s.astring(), false) };
  } else return s.fail('Invalid section');
  s.expect(0x5d, ']');
  return section;
}

/**
 * A section-spec given as text (an IMAP URL's `;SECTION=`, RFC 5092 §4: `1.2.MIME`,
 * `HEADER.FIELDS (FROM)`), or undefined when it is not one.
 */
export function parseSectionText(text: string): Section | undefined {
  const s = new Scanner({ lines: [Buffer.from(`[${text}]`, 'latin1')], literals: [] });
  try {
    const section = parseSection(s);
    return s.atEnd() ? section : undefined;
  } catch (err) {
    if (err instanceof ImapParseError) return undefined;
    throw err;
  }
}

/** `[section]` as in requests and in FETCH responses (`BODY[1.HEADER.FIELDS (To)]`). */
export function writeSection(w: WireWriter, sec: Section): void {
  w.raw('[' + sec.part.join('.'));
  if (sec.text !== undefined) {
    if (sec.text === 'MIME' && sec.part.length === 0) throw new RangeError('MIME needs a part number');
    w.raw((sec.part.length > 0 ? '.' : '') + sec.text);
  }
  if ('fields' in sec) {
    if (sec.fields.length === 0) throw new RangeError('empty header list');
    w.sp().list(sec.fields, (f) => w.astring(f));
  }
  w.raw(']');
}

export function writeFetchAtt(w: WireWriter, att: FetchAtt): void {
  if (att.kind === 'BINARY[]' || att.kind === 'BINARY.SIZE') {
    w.raw(att.kind === 'BINARY.SIZE' ? 'BINARY.SIZE' : att.peek ? 'BINARY.PEEK' : 'BINARY').raw(`[${att.part.join('.')}]`);
    if (att.kind === 'BINARY[]' && att.partial !== undefined) w.raw(`<${att.partial.offset}.${att.partial.length}>`);
    return;
  }
  if (att.kind !== 'BODY[]') {
    w.raw(att.kind);
    return;
  }
  w.raw(att.peek ? 'BODY.PEEK' : 'BODY');
  writeSection(w, att.section);
  if (att.partial !== undefined) w.raw(`<${att.partial.offset}.${att.partial.length}>`);
}

export function writeFetch(w: WireWriter, c: FetchCommand): void {
  w.sp();
  writeSequence(w, c.sequence);
  if (c.items.length === 0) throw new RangeError('FETCH needs an attribute');
  w.sp().list(c.items, (a) => writeFetchAtt(w, a));
  writeFetchModifiers(w, c);
}
