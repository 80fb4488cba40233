/**
 * PROXY protocol header parser, versions 1 (text) and 2 (binary), per haproxy's
 * doc/proxy-protocol.txt. Pure: no sockets, no clock.
 *
 * v1: `PROXY TCP4|TCP6 <src> <dst> <srcport> <dstport>\r\n` or `PROXY UNKNOWN[ anything]\r\n`,
 *     at most 107 bytes including CRLF (§2.1).
 * v2: 12-byte signature, version/command byte (0x20 LOCAL, 0x21 PROXY), family/transport byte,
 *     16-bit big-endian length of the address block (+ TLVs), §2.2. We bound that length at
 *     MAX_V2_PAYLOAD; TLVs are skipped, never interpreted.
 *
 * `parseProxyHeader(buf)` looks at the start of `buf` and returns:
 * - `incomplete`: a valid prefix so far, read more (never returned once `buf` exceeds the bound);
 * - `none`: the bytes cannot start a PROXY header (protocol data, a TLS ClientHello);
 * - `invalid` with a reason: a malformed or oversized header (refuse the connection);
 * - `ok` with `length` (bytes the header takes; the rest of `buf` is protocol data) and `client`,
 *   the real client's address, or undefined when the header says to use the connection's own
 *   endpoints (v1 UNKNOWN, v2 LOCAL, v2 AF_UNSPEC / AF_UNIX).
 */
import { isIPv4, isIPv6 } from 'node:net';

export const V1_MAX = 107;
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** Address block for AF_UNIX (216 bytes) plus room for a few TLVs; haproxy sends none unless asked. */
export const MAX_V2_PAYLOAD = 512;
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');

export interface ProxyClient { address: string; port: number }
export type ProxyParse =
  | { kind: 'incomplete' }
  | { kind: 'none' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; length: number; version: 1 | 2; client: ProxyClient | undefined };

/** Whether `buf` could still become (or already starts with) a PROXY header of either version. */
function startsLike(buf: Buffer, sig: Buffer): boolean {
  const n = Math.min(buf.length, sig.length);
  return buf.subarray(0, n).equals(sig.subarray(0, n));
}

export function parseProxyHeader(buf: Buffer): ProxyParse {
  if (buf.length === 0) return { kind: 'incomplete' };
  if (startsLike(buf, V2_SIGNATURE)) return buf.length < 16 ? { kind: 'incomplete' } : parseV2(buf);
  if (startsLike(buf, V1_PREFIX)) return parseV1(buf);
  return { kind: 'none' };
}

function invalid(reason: string): ProxyParse {
  return { kind: 'invalid', reason };
}

const PORT = /^(0|[1-9][0-9]{0,4})$/;

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.subarray(0, V1_MAX).indexOf('\r\n', 0, 'latin1');
  if (end < 0) return buf.length >= V1_MAX ? invalid('v1 header longer than 107 bytes') : { kind: 'incomplete' };
  const line = buf.subarray(0, end).toString('latin1');
  const length = end + 2;
  if (/[^\x20-\x7e]/.test(line)) return invalid('v1 header has a non-printable byte');
  const fields = line.split(' ');
  if (fields[1] === 'UNKNOWN') return { kind: 'ok', length, version: 1, client: undefined };
  if (fields.length !== 6) return invalid('v1 header needs 6 fields');
  const [, family, src, dst, srcPort, dstPort] = fields as [string, string, string, string, string, string];
  const isAddr = family === 'TCP4' ? isIPv4 : family === 'TCP6' ? isIPv6 : undefined;
  if (!isAddr) return invalid('v1 family must be TCP4, TCP6 or UNKNOWN');
  if (!isAddr(src) || !isAddr(dst)) return invalid(`v1 addresses are not ${family}`);
  if (!PORT.test(srcPort) || !PORT.test(dstPort) || Number(srcPort) > 65535 || Number(dstPort) > 65535) return invalid('v1 bad port');
  return { kind: 'ok', length, version: 1, client: { address: src, port: Number(srcPort) } };
}

function parseV2(buf: Buffer): ProxyParse {
  const verCmd = buf[12]!;
  const famProto = buf[13]!;
  const payload = buf.readUInt16BE(14);
  if (verCmd >> 4 !== 2) return invalid('v2 version is not 2');
  const command = verCmd & 0x0f;
  if (command > 1) return invalid('v2 command is neither LOCAL nor PROXY');
  if (payload > MAX_V2_PAYLOAD) return invalid(`v2 header longer than ${16 + MAX_V2_PAYLOAD} bytes`);
  const family = famProto >> 4;
  const transport = famProto & 0x0f;
  if (family > 3 || transport > 2) return invalid('v2 unknown address family or transport');
  const needed = [0, 12, 36, 216][family]!;
  if (payload < needed) return invalid('v2 address block shorter than its family needs');
  if (buf.length < 16 + payload) return { kind: 'incomplete' };
  const length = 16 + payload;
  // LOCAL: the proxy's own connection (health checks); the address block is ignored (§2.2).
  if (command === 0) return { kind: 'ok', length, version: 2, client: undefined };
  if (family === 0 || family === 3) return { kind: 'ok', length, version: 2, client: undefined };
  if (transport !== 1) return invalid('v2 transport is not STREAM');
  if (family === 1) {
    const address = [...buf.subarray(16, 20)].join('.');
    return { kind: 'ok', length, version: 2, client: { address, port: buf.readUInt16BE(24) } };
  }
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(16 + i * 2).toString(16));
  // IPv4-mapped (::ffff:a.b.c.d) keeps its dotted tail, so clientAddress reports it as IPv4
  const mapped = groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff';
  const address = mapped ? `::ffff:${[...buf.subarray(28, 32)].join('.')}` : compressIPv6(groups);
  return { kind: 'ok', length, version: 2, client: { address, port: buf.readUInt16BE(48) } };
}

/** RFC 5952 text form: the longest run (≥ 2) of zero groups becomes `::`. */
function compressIPv6(groups: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Serialises a header (for tests and tools): v1 text or v2 binary, PROXY over TCP or LOCAL/UNKNOWN. */
export function formatProxyHeader(version: 1 | 2, src?: ProxyClient, dst?: ProxyClient): Buffer {
  if (!src || !dst) return version === 1 ? Buffer.from('PROXY UNKNOWN\r\n', 'latin1') : Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0, 0])]);
  const six = isIPv6(src.address);
  if (version === 1) return Buffer.from(`PROXY ${six ? 'TCP6' : 'TCP4'} ${src.address} ${dst.address} ${src.port} ${dst.port}\r\n`, 'latin1');
  const addr = (a: string): Buffer => (six ? ipv6Bytes(a) : Buffer.from(a.split('.').map(Number)));
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(src.port, 0);
  ports.writeUInt16BE(dst.port, 2);
  const block = Buffer.concat([addr(src.address), addr(dst.address), ports]);
  const head = Buffer.from([0x21, six ? 0x21 : 0x11, 0, 0]);
  head.writeUInt16BE(block.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, block]);
}

function ipv6Bytes(text: string): Buffer {
  const v4 = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  const hex = (x: string, y: string): string => ((Number(x) << 8) | Number(y)).toString(16);
  const a = v4 ? `${v4[1]}${hex(v4[2]!, v4[3]!)}:${hex(v4[4]!, v4[5]!)}` : text;
  const [left, right] = a.includes('::') ? a.split('::') as [string, string] : [a, undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
