/**
 * The two IMAP date syntaxes (RFC 3501 §9 / RFC 9051 §9). Pure.
 *
 *   date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
 *               e.g. "17-Jul-1996 02:44:25 -0700"   (APPEND, INTERNALDATE)
 *   date      = date-text / DQUOTE date-text DQUOTE
 *   date-text = date-day "-" date-month "-" date-year   e.g. 1-Feb-1994   (SEARCH BEFORE/ON/SINCE…)
 *
 * Departure: date-day-fixed is `(SP DIGIT) / 2DIGIT`; a single digit without the space is also
 * accepted because some clients send it. Impossible calendar dates (31-Feb) are refused.
 */

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** A calendar date without time or zone, as SEARCH compares them. `month` is 1–12. */
export interface SearchDate {
  year: number;
  month: number;
  day: number;
}

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.toLowerCase() === name.toLowerCase());
}

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

const DATE_TEXT = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/;

/** `date-text` without quotes; undefined when malformed or not a real day. */
export function parseSearchDate(text: string): SearchDate | undefined {
  const m = DATE_TEXT.exec(text);
  if (!m) return undefined;
  const day = Number(m[1]);
  const month = monthIndex(m[2]!) + 1;
  const year = Number(m[3]);
  if (month === 0 || !isRealDate(year, month, day)) return undefined;
  return { year, month, day };
}

export function formatSearchDate(d: SearchDate): string {
  if (!isRealDate(d.year, d.month, d.day) || d.year < 1000 || d.year > 9999) throw new RangeError('not a date');
  return `${d.day}-${MONTHS[d.month - 1]}-${d.year}`;
}

const DATE_TIME = /^([ 0-9]?[0-9])-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/;

/** The content of a `date-time` (without its quotes); undefined when malformed. */
export function parseDateTime(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const day = Number(m[1]!.trim());
  const month = monthIndex(m[2]!) + 1;
  const year = Number(m[3]);
  const [hh, mm, ss, zh, zm] = [m[4], m[5], m[6], m[8], m[9]].map(Number) as [number, number, number, number, number];
  if (month === 0 || !isRealDate(year, month, day)) return undefined;
  if (hh > 23 || mm > 59 || ss > 60 || zm > 59) return undefined;
  const offset = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm);
  return new Date(Date.UTC(year, month - 1, day, hh, mm, Math.min(ss, 59)) - offset * 60_000);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * `dd-Mon-yyyy hh:mm:ss +hhmm` (no quotes) for `date` shown at `offsetMinutes` east of UTC.
 * Sub-second precision is dropped (IMAP has none). Throws RangeError for an invalid Date.
 */
export function formatDateTime(date: Date, offsetMinutes = 0): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(local.getUTCDate())}-${MONTHS[local.getUTCMonth()]}-${local.getUTCFullYear()} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}
