/**
 * A minimal authoritative DNS server over UDP (RFC 1035 §4) on 127.0.0.1, port 0, answering from a
 * table the test gives it, so that MX delivery can be tested without real DNS.
 *
 * Answers: the records of the asked type (MX, A, AAAA) with the AA bit; NODATA (NOERROR, no answers)
 * when the name is in the table without that type; NXDOMAIN for names not in the table; SERVFAIL for
 * names marked broken; FORMERR for a query it cannot parse; NOTIMP for opcodes other than QUERY.
 * Names match case-insensitively, with or without the trailing dot. The question is echoed byte for
 * byte, answer owner names are a pointer to it (§4.1.4), and every TTL is 0 so that no resolver
 * caches an answer (§3.2.1) and a test may change the table between lookups. No EDNS, no TCP, no
 * authority section (a negative answer without SOA is simply not cached).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import type { AddressInfo } from 'node:net';

/** The records of one name. An MX exchange of '' or '.' is the root: a null MX (RFC 7505). */
export interface DnsRecords {
  mx?: Array<{ priority: number; exchange: string }>;
  a?: string[];
  aaaa?: string[];
}

const TYPE = { A: 1, MX: 15, AAAA: 28 } as const;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;
const CLASS_IN = 1;

export class TestDns {
  private readonly names = new Map<string, DnsRecords>();
  private readonly broken = new Set<string>();
  private socket: Socket | undefined;
  /** Every question answered, in order, as `name TYPE` (lower case, no trailing dot), e.g. `x.test MX`. */
  readonly queries: string[] = [];

  /** Puts `name` in the table with these records (replacing earlier ones). */
  set(name: string, records: DnsRecords): this {
    this.names.set(canonical(name), records);
    return this;
  }

  /** Every question about `name` is answered SERVFAIL. */
  breakName(name: string): this {
    this.broken.add(canonical(name));
    return this;
  }

  /** Listens; resolves to `127.0.0.1:<port>`, the form `Resolver.setServers` takes. */
  start(): Promise<string> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (msg, from) => {
      const reply = this.answer(msg);
      if (reply) socket.send(reply, from.port, from.address);
    });
    return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(`127.0.0.1:${(socket.address() as AddressInfo).port}`)));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
  }

  /** The response to one query message, or undefined for something that is no query (dropped). */
  answer(msg: Buffer): Buffer | undefined {
    if (msg.length < 12 || msg[2]! & 0x80) return undefined;
    const opcode = (msg[2]! >> 3) & 0x0f;
    if (opcode !== 0) return header(msg, RCODE.NOTIMP, 0, 0);
    let q: { name: string; type: number; end: number };
    try {
      if (msg.readUInt16BE(4) !== 1) throw new Error('one question expected');
      q = readQuestion(msg, 12);
    } catch {
      return header(msg, RCODE.FORMERR, 0, 0);
    }
    const question = msg.subarray(12, q.end);
    this.queries.push(`${q.name} ${typeName(q.type)}`);
    if (this.broken.has(q.name)) return Buffer.concat([header(msg, RCODE.SERVFAIL, 1, 0), question]);
    const records = this.names.get(q.name);
    if (!records) return Buffer.concat([header(msg, RCODE.NXDOMAIN, 1, 0), question]);
    const rdatas = rdataOf(records, q.type);
    return Buffer.concat([header(msg, RCODE.NOERROR, 1, rdatas.length), question, ...rdatas.map((r) => resourceRecord(q.type, r))]);
  }
}

function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function typeName(type: number): string {
  return Object.entries(TYPE).find(([, t]) => t === type)?.[0] ?? `TYPE${type}`;
}

/** §4.1.1: the query's ID, opcode and RD echoed; QR and AA set; RA clear; no authority or additional. */
function header(query: Buffer, rcode: number, qdcount: number, ancount: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(query.readUInt16BE(0), 0);
  h[2] = 0x80 | (query[2]! & 0x78) | 0x04 | (query[2]! & 0x01);
  h[3] = rcode;
  h.writeUInt16BE(qdcount, 4);
  h.writeUInt16BE(ancount, 6);
  return h;
}

/** §4.1.2: QNAME as uncompressed labels (a query's only question has nothing to point back to), QTYPE, QCLASS IN. */
function readQuestion(msg: Buffer, offset: number): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let at = offset;
  for (;;) {
    const len = msg[at];
    if (len === undefined || len > 63) throw new Error('bad label');
    at += 1;
    if (len === 0) break;
    if (at + len > msg.length) throw new Error('truncated label');
    labels.push(msg.toString('latin1', at, at + len));
    at += len;
  }
  if (at + 4 > msg.length || msg.readUInt16BE(at + 2) !== CLASS_IN) throw new Error('bad question');
  return { name: canonical(labels.join('.')), type: msg.readUInt16BE(at), end: at + 4 };
}

/** §3.3: a domain name as length-prefixed labels ending with the root's zero byte. */
function encodeName(name: string): Buffer {
  const labels = canonical(name).split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

/** The RDATA of each record of `type`: MX §3.3.9, A §3.4.1, AAAA RFC 3596 §2.2. */
function rdataOf(r: DnsRecords, type: number): Buffer[] {
  if (type === TYPE.MX) {
    return (r.mx ?? []).map((m) => {
      const pref = Buffer.alloc(2);
      pref.writeUInt16BE(m.priority);
      return Buffer.concat([pref, encodeName(m.exchange)]);
    });
  }
  if (type === TYPE.A) return (r.a ?? []).filter((ip) => isIPv4(ip)).map((ip) => Buffer.from(ip.split('.').map(Number)));
  if (type === TYPE.AAAA) return (r.aaaa ?? []).filter((ip) => isIPv6(ip)).map(ipv6Bytes);
  return [];
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const fill = tail === undefined ? [] : Array(8 - groups(head).length - groups(tail).length).fill('0');
  const b = Buffer.alloc(16);
  [...groups(head), ...fill, ...groups(tail)].forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** §4.1.3: owner name as a pointer to the question's name at offset 12 (§4.1.4), class IN, TTL 0. */
function resourceRecord(type: number, rdata: Buffer): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0);
  fixed.writeUInt16BE(type, 2);
  fixed.writeUInt16BE(CLASS_IN, 4);
  fixed.writeUInt32BE(0, 6);
  fixed.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([fixed, rdata]);
}
