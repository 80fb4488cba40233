/**
 * FETCH (RFC 3501 §6.4.5, §7.4.2): `FETCH seq-set (att…)` and UID FETCH (which always returns UID).
 * FLAGS, UID, INTERNALDATE and RFC822.SIZE come from the view; ENVELOPE, BODY, BODYSTRUCTURE,
 * BODY[section]<partial>, RFC822, RFC822.HEADER and RFC822.TEXT read the message once per message.
 * BODY[…] (not .PEEK), RFC822 and RFC822.TEXT set \Seen in a read-write mailbox, and the new
 * FLAGS are included in the same response. MODSEQ and the CHANGEDSINCE / VANISHED modifiers
 * (RFC 7162 §3.1.4, §3.2.6) are condstore.ts's. BINARY[part]<partial>, BINARY.PEEK and
 * BINARY.SIZE (RFC 3516 §4.2) decode the part's transfer encoding (mime/binary.ts); an encoding
 * that cannot be decoded fails the FETCH with `NO [UNKNOWN-CTE]` (responses already sent for
 * earlier messages stand), BINARY.SIZE of a part that does not exist with `NO`.
 */
import { binaryContent, bodyStructureValue, envelopeValue, parseMime, sectionBytes, type MimePart } from '../../../mime/index.ts';
import { no } from '../errors.ts';
import { fetchData, type FetchResponseItem } from '../../response-data.ts';
import type { FetchAtt } from '../../types.ts';
import { flagList } from '../mailbox-view.ts';
import { resolveTargets } from './messages.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';
import { fetchPreamble } from './condstore.ts';

const NEEDS_MESSAGE = new Set(['ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'BODY[]', 'BINARY[]', 'BINARY.SIZE']);
/** The whole message (BODY[], RFC822) needs no MIME parse. */
const WHOLE = (a: FetchAtt): boolean => a.kind === 'RFC822' || (a.kind === 'BODY[]' && a.section.part.length === 0 && !a.section.text) || ((a.kind === 'BINARY[]' || a.kind === 'BINARY.SIZE') && a.part.length === 0);
const SETS_SEEN = (a: FetchAtt): boolean => ((a.kind === 'BODY[]' || a.kind === 'BINARY[]') && !a.peek) || a.kind === 'RFC822' || a.kind === 'RFC822.TEXT';

/** The decoded content of `part` (mime/binary.ts); NO [UNKNOWN-CTE] when it cannot be decoded. */
function binary(raw: Buffer, mime: MimePart | undefined, part: readonly number[]): Buffer | null {
  if (part.length === 0) return raw;
  const got = binaryContent(raw, mime!, part);
  if (got !== null && !Buffer.isBuffer(got)) throw no(`cannot decode content-transfer-encoding ${got.unknownCte.slice(0, 40).replace(/[^\x21-\x7e]/g, '?')}`, 'UNKNOWN-CTE');
  return got;
}

function partialOf(raw: Buffer, p: { offset: number; length: number } | undefined): Buffer {
  return p ? raw.subarray(Math.min(p.offset, raw.length), Math.min(raw.length, p.offset + p.length)) : raw;
}

export const FETCH: CommandSpec<CommandOf<'FETCH'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const mb = s.mailbox!;
    const resolved = resolveTargets(mb, cmd.sequence, cmd.uid);
    const cond = await fetchPreamble(s, cmd);
    const targets = resolved.filter((t) => cond.keep(mb.info.get(t.uid)?.modseq ?? 0));
    let atts = cmd.uid && !cmd.items.some((a) => a.kind === 'UID') ? [{ kind: 'UID' } as FetchAtt, ...cmd.items] : cmd.items;
    if (cond.modseq) atts = [...atts, { kind: 'MODSEQ' }];
    const needsMessage = atts.some((a) => NEEDS_MESSAGE.has(a.kind));
    const needsMime = atts.some((a) => NEEDS_MESSAGE.has(a.kind) && !WHOLE(a));
    const marksSeen = !mb.readOnly && atts.some(SETS_SEEN);
    const seenUpdates: Array<{ uid: number; flags: ReadonlySet<string> }> = [];
    const fetchOne = async (t: { seq: number; uid: number }): Promise<void> => {
      const info = mb.info.get(t.uid);
      if (!info) return;
      let flags = mb.flags.get(t.uid) ?? info.flags;
      let modseq = info.modseq;
      let flagsChanged = false;
      let raw: Buffer | undefined;
      let mime: MimePart | undefined;
      if (needsMessage) {
        raw = await mb.account.readMessage(mb.name, t.uid).catch(() => undefined);
        if (!raw) return; // expunged by another session meanwhile: say nothing about it (§7.4.1)
        if (needsMime) mime = parseMime(raw);
      }
      // decoded before \Seen is set: a part that cannot be decoded fails the FETCH with no change
      const decoded = new Map<FetchAtt, Buffer | null>();
      for (const a of atts) {
        if (a.kind !== 'BINARY[]' && a.kind !== 'BINARY.SIZE') continue;
        const data = binary(raw!, mime, a.part);
        if (data === null && a.kind === 'BINARY.SIZE') throw no(`message ${t.seq} has no part ${a.part.join('.')}`);
        decoded.set(a, data);
      }
      if (marksSeen && !flags.has('\\Seen')) {
        const [u] = await mb.account.setFlags(mb.name, [t.uid], ['\\Seen'], 'add');
        if (u) {
          flags = u.flags;
          modseq = u.modseq ?? modseq;
          mb.noteFlags(t.uid, flags, u.modseq);
          seenUpdates.push(u);
          flagsChanged = true;
        }
      }
      const items: FetchResponseItem[] = [];
      for (const a of atts) {
        switch (a.kind) {
          case 'UID': items.push({ item: 'UID', value: t.uid }); break;
          case 'FLAGS': items.push({ item: 'FLAGS', flags: flagList({ flags, recent: info.recent }) }); break;
          case 'INTERNALDATE': items.push({ item: 'INTERNALDATE', date: info.internalDate }); break;
          case 'RFC822.SIZE': items.push({ item: 'RFC822.SIZE', value: info.size }); break;
          case 'MODSEQ': items.push({ item: 'MODSEQ', value: modseq }); break;
          case 'ENVELOPE': items.push({ item: 'ENVELOPE', value: envelopeValue(mime!) }); break;
          case 'BODYSTRUCTURE': items.push({ item: 'BODYSTRUCTURE', value: bodyStructureValue(mime!, true) }); break;
          case 'BODY': items.push({ item: 'BODY', value: bodyStructureValue(mime!, false) }); break;
          case 'RFC822': items.push({ item: 'RFC822', data: raw! }); break;
          case 'RFC822.HEADER': items.push({ item: 'RFC822.HEADER', data: sectionBytes(raw!, mime!, { part: [], text: 'HEADER' }) }); break;
          case 'RFC822.TEXT': items.push({ item: 'RFC822.TEXT', data: sectionBytes(raw!, mime!, { part: [], text: 'TEXT' }) }); break;
          case 'BODY[]':
            items.push({ item: 'BODY[]', section: a.section, ...(a.partial ? { origin: a.partial.offset } : {}), data: mime ? sectionBytes(raw!, mime, a.section, a.partial) : partialOf(raw!, a.partial) });
            break;
          case 'BINARY[]': {
            const data = decoded.get(a)!;
            items.push({ item: 'BINARY[]', part: a.part, ...(a.partial ? { origin: a.partial.offset } : {}), data: data && partialOf(data, a.partial) });
            break;
          }
          case 'BINARY.SIZE':
            items.push({ item: 'BINARY.SIZE', part: a.part, value: decoded.get(a)!.length });
            break;
        }
      }
      if (flagsChanged && !atts.some((a) => a.kind === 'FLAGS')) items.push({ item: 'FLAGS', flags: flagList({ flags, recent: info.recent }) });
      if (flagsChanged && mb.condstore && !atts.some((a) => a.kind === 'MODSEQ')) items.push({ item: 'MODSEQ', value: modseq });
      s.send(fetchData(t.seq, items));
    };
    try {
      for (const t of targets) await fetchOne(t);
    } finally {
      if (seenUpdates.length) mb.account.changed({ folder: mb.name, flags: seenUpdates });
    }
    return {};
  },
};
