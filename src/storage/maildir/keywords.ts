/**
 * Dovecot's `dovecot-keywords` file, one per folder: lines `<index> <keyword>`; index 0–25 is the
 * letter a–z in file names. Keywords compare case-insensitively; at most 26 per folder
 * (TOO_MANY_KEYWORDS beyond that). Written only by the holder, crash-safe (temp, fsync, rename).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../../util/fsync.ts';
import { StorageError } from '../errors.ts';

export const KEYWORDS_FILE = 'dovecot-keywords';
const MAX = 26;

export class Keywords {
  private readonly names: Array<string | undefined> = [];
  /** Set when a keyword was allocated and the file must be written before names using it appear. */
  changed = false;

  static parse(text: string): Keywords {
    const k = new Keywords();
    for (const line of text.split('\n')) {
      const m = /^(\d+) (\S.*)$/.exec(line);
      const idx = m ? Number(m[1]) : -1;
      if (m && idx < MAX && k.indexOf(m[2]!) < 0) k.names[idx] = m[2]!;
    }
    return k;
  }

  format(): string {
    return this.names.map((n, i) => (n === undefined ? '' : `${i} ${n}\n`)).join('');
  }

  nameOf(letter: string): string | undefined {
    return this.names[letter.charCodeAt(0) - 97];
  }

  /** The letter for a keyword; allocates the first free one (marking `changed`) unless `allocate` is false. */
  letterOf(keyword: string, allocate: boolean): string | undefined {
    let idx = this.indexOf(keyword);
    if (idx < 0) {
      if (!allocate) return undefined;
      idx = this.names.findIndex((n) => n === undefined);
      if (idx < 0) idx = this.names.length;
      if (idx >= MAX) throw new StorageError('TOO_MANY_KEYWORDS', 'a Maildir folder holds at most 26 keywords');
      this.names[idx] = keyword;
      this.changed = true;
    }
    return String.fromCharCode(97 + idx);
  }

  private indexOf(keyword: string): number {
    const lower = keyword.toLowerCase();
    return this.names.findIndex((n) => n !== undefined && n.toLowerCase() === lower);
  }
}

export async function readKeywords(dir: string): Promise<Keywords> {
  try {
    return Keywords.parse(await readFile(join(dir, KEYWORDS_FILE), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Keywords();
    throw err;
  }
}

/** Writes the file if keywords were allocated; resolves when it is durable. */
export async function saveKeywords(dir: string, k: Keywords): Promise<void> {
  if (!k.changed) return;
  await writeFileDurable(join(dir, KEYWORDS_FILE), k.format());
  k.changed = false;
}
