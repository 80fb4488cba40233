/**
 * Maildir file names: `<base>:2,<flags>` with the flag letters of maildir(5), which Dovecot uses
 * for the IMAP system flags. `base` carries `,S=<size>` when the writer knew the size.
 */
export const FLAG_LETTERS: Record<string, string> = { '\\Draft': 'D', '\\Flagged': 'F', '\\Answered': 'R', '\\Seen': 'S', '\\Deleted': 'T' };
const LETTER_FLAGS = Object.fromEntries(Object.entries(FLAG_LETTERS).map(([f, l]) => [l, f])) as Record<string, string>;

export function splitName(name: string): { base: string; flags: Set<string> } {
  const i = name.indexOf(':2,');
  if (i < 0) return { base: name, flags: new Set() };
  const flags = new Set<string>();
  for (const ch of name.slice(i + 3)) if (LETTER_FLAGS[ch]) flags.add(LETTER_FLAGS[ch]);
  return { base: name.slice(0, i), flags };
}

export function joinName(base: string, flags: Iterable<string>): string {
  const letters = [...new Set([...flags].map((f) => FLAG_LETTERS[f]).filter((l): l is string => !!l))].sort().join('');
  return `${base}:2,${letters}`;
}

export function sizeFromBase(base: string): number | undefined {
  const m = /,S=(\d+)/.exec(base);
  return m ? Number(m[1]) : undefined;
}
