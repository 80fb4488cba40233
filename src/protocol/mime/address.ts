/**
 * Address lists (RFC 5322 §3.4, obsolete forms of §4.4 tolerated) into the parts IMAP's ENVELOPE
 * sends (RFC 3501 §7.4.2): personal name, source route, mailbox, host; groups as a start marker
 * (host NIL, mailbox = group name) and an end marker (all NIL).
 *
 * Input and output are binary strings; encoded words stay as written (RFC 3501: "encoded words
 * are not decoded"). Like Dovecot, a missing local part or domain is sent as MISSING_MAILBOX /
 * MISSING_DOMAIN (a NIL host would mean a group), and a bare address's comment is its name.
 * Never throws; input past MAX_INPUT characters is ignored.
 */

export interface EnvelopeAddress {
  name: string | null;
  route: string | null;
  mailbox: string | null;
  host: string | null;
}

const MAX_INPUT = 64 * 1024;
const MAX_ADDRESSES = 1000;

type Token = { kind: 'atom' | 'quoted' | 'comment' | 'literal'; text: string } | { kind: 'special'; text: string };

const SPECIALS = '<>@,;:.[]';
/** Characters that end an atom. */
const ATOM_END = ` \t\r\n"()${SPECIALS}`;

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') i++;
    else if (c === '"') {
      let t = '';
      for (i++; i < s.length && s[i] !== '"'; i++) t += s[i] === '\\' && i + 1 < s.length ? s[++i] : s[i];
      out.push({ kind: 'quoted', text: t });
      i++;
    } else if (c === '(') {
      let depth = 0;
      let t = '';
      for (; i < s.length; i++) {
        const d = s[i]!;
        if (d === '\\' && i + 1 < s.length) t += s[++i];
        else if (d === '(' && depth++ === 0) continue;
        else if (d === ')' && --depth === 0) break;
        else t += d;
      }
      out.push({ kind: 'comment', text: t.trim() });
      i++;
    } else if (c === '[') {
      const close = s.indexOf(']', i);
      const j = close < 0 ? s.length : close + 1;
      out.push({ kind: 'literal', text: s.slice(i, j) });
      i = j;
    } else if (SPECIALS.includes(c)) {
      out.push({ kind: 'special', text: c });
      i++;
    } else if (c === ')') {
      i++; // a `)` that closes no comment: dropped (it used to make an empty atom without moving on)
    } else {
      let j = i;
      while (j < s.length && !ATOM_END.includes(s[j]!)) j++;
      out.push({ kind: 'atom', text: s.slice(i, j) });
      i = j;
    }
  }
  return out;
}

const isSpecial = (t: Token | undefined, c: string): boolean => t?.kind === 'special' && t.text === c;

/** Phrase words joined by one space (RFC 5322 §3.2.5), quotes removed; null when empty. */
function phrase(tokens: Token[]): string | null {
  const words = tokens.filter((t) => t.kind === 'atom' || t.kind === 'quoted' || (t.kind === 'special' && t.text === '.')).map((t) => t.text);
  const s = words.join(' ').replace(/ \. /g, '. ').trim(); // obs-phrase: `J. Smith`
  return s.length ? s : null;
}

/** `local@domain` (maybe with a source route `@a,@b:` before it) into route, mailbox, host. */
function addrSpec(tokens: Token[]): Omit<EnvelopeAddress, 'name'> {
  let route: string | null = null;
  const colon = tokens.findIndex((t) => isSpecial(t, ':'));
  if (colon >= 0 && isSpecial(tokens[0], '@')) {
    route = tokens.slice(0, colon).map((t) => t.text).join('').replace(/,+/g, ',');
    tokens = tokens.slice(colon + 1);
  }
  const at = tokens.map((t) => isSpecial(t, '@')).lastIndexOf(true);
  const local = (at < 0 ? tokens : tokens.slice(0, at)).filter((t) => t.kind !== 'comment').map((t) => (t.kind === 'quoted' ? quoteLocal(t.text) : t.text)).join('');
  const domain = at < 0 ? '' : tokens.slice(at + 1).filter((t) => t.kind !== 'comment').map((t) => t.text).join('');
  return { route, mailbox: local || 'MISSING_MAILBOX', host: domain || 'MISSING_DOMAIN' };
}

const quoteLocal = (s: string): string => (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(s) ? s : `"${s.replace(/[\\"]/g, '\\$&')}"`);

/** One mailbox: `phrase <addr>` or `addr (comment)`; undefined for nothing but white space/comments. */
function mailbox(tokens: Token[]): EnvelopeAddress | undefined {
  if (!tokens.some((t) => t.kind !== 'comment')) return undefined;
  const lt = tokens.findIndex((t) => isSpecial(t, '<'));
  if (lt >= 0) {
    let gt = tokens.findIndex((t, k) => k > lt && isSpecial(t, '>'));
    if (gt < 0) gt = tokens.length;
    return { name: phrase(tokens.slice(0, lt)), ...addrSpec(tokens.slice(lt + 1, gt)) };
  }
  const comments = tokens.filter((t) => t.kind === 'comment' && t.text);
  const spec = addrSpec(tokens);
  return { name: comments.length ? comments[comments.length - 1]!.text : null, ...spec };
}

/** Splits at top-level commas (not inside `<…>`). */
function splitCommas(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]];
  let angle = false;
  for (const t of tokens) {
    if (isSpecial(t, '<')) angle = true;
    else if (isSpecial(t, '>')) angle = false;
    if (isSpecial(t, ',') && !angle) out.push([]);
    else out[out.length - 1]!.push(t);
  }
  return out;
}

/** An address-list header value as ENVELOPE addresses; [] for none. */
export function parseAddressList(value: string): EnvelopeAddress[] {
  const tokens = tokenize(value.slice(0, MAX_INPUT));
  const out: EnvelopeAddress[] = [];
  let i = 0;
  while (i < tokens.length && out.length < MAX_ADDRESSES) {
    // a group starts with `phrase :` before any `<`, `@` or `,`
    let j = i;
    while (j < tokens.length && !['<', '@', ',', ':', ';'].some((c) => isSpecial(tokens[j], c))) j++;
    if (isSpecial(tokens[j], ':')) {
      let k = j + 1;
      while (k < tokens.length && !isSpecial(tokens[k], ';')) k++;
      out.push({ name: null, route: null, mailbox: phrase(tokens.slice(i, j)) ?? '', host: null });
      for (const item of splitCommas(tokens.slice(j + 1, k))) {
        const m = mailbox(item);
        if (m) out.push(m);
      }
      out.push({ name: null, route: null, mailbox: null, host: null });
      i = k + 1;
      continue;
    }
    // a mailbox runs to the next top-level comma (a stray `;` ends it too)
    let k = i;
    let angle = false;
    for (; k < tokens.length; k++) {
      if (isSpecial(tokens[k], '<')) angle = true;
      else if (isSpecial(tokens[k], '>')) angle = false;
      else if (!angle && (isSpecial(tokens[k], ',') || isSpecial(tokens[k], ';'))) break;
    }
    const m = mailbox(tokens.slice(i, k));
    if (m) out.push(m);
    i = k + 1;
  }
  return out;
}
