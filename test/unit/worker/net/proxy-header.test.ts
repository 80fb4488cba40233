/** PROXY protocol v1/v2 parser: wire tables, then properties (format ∘ parse, truncation, garbage). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatProxyHeader, MAX_V2_PAYLOAD, parseProxyHeader, V2_SIGNATURE } from '../../../../worker/net/proxy-header.ts';
import { TrustedProxies } from '../../../../src/util/trusted-proxies.ts';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const v2 = (verCmd: number, famProto: number, block: number[] | Buffer): Buffer => {
  const body = Buffer.from(block);
  const head = Buffer.from([verCmd, famProto, 0, 0]);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, body]);
};

describe('v1', () => {
  it('reads TCP4, TCP6 and UNKNOWN, and leaves the bytes after CRLF to the protocol', () => {
    expect(parseProxyHeader(b('PROXY TCP4 127.0.0.5 127.0.0.1 40000 143\r\nA1 CAPABILITY\r\n'))).toEqual({ kind: 'ok', length: 42, version: 1, client: { address: '127.0.0.5', port: 40000 } });
    expect(parseProxyHeader(b('PROXY TCP6 2001:db8::5 ::1 1 65535\r\n'))).toMatchObject({ kind: 'ok', client: { address: '2001:db8::5', port: 1 } });
    expect(parseProxyHeader(b('PROXY UNKNOWN\r\n'))).toEqual({ kind: 'ok', length: 15, version: 1, client: undefined });
    expect(parseProxyHeader(b('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n'))).toMatchObject({ kind: 'ok', client: undefined });
  });
  it('refuses malformed headers with a reason', () => {
    for (const line of [
      'PROXY TCP4 127.0.0.5 127.0.0.1 40000\r\n', // 5 fields
      'PROXY TCP4 ::1 127.0.0.1 1 2\r\n', // family mismatch
      'PROXY TCP6 127.0.0.5 ::1 1 2\r\n',
      'PROXY UDP4 127.0.0.5 127.0.0.1 1 2\r\n',
      'PROXY TCP4 127.0.0.5 127.0.0.1 65536 25\r\n',
      'PROXY TCP4 127.0.0.5 127.0.0.1 01 25\r\n',
      'PROXY TCP4 127.0.0.5  127.0.0.1 1 25\r\n', // double space
      'PROXY TCP4 example.com 127.0.0.1 1 25\r\n', // a host name would end up in Received headers
      'PROXY TCP4 127.0.0.5 127.0.0.1 1 25\x00\r\n',
    ]) expect(parseProxyHeader(b(line)), JSON.stringify(line)).toMatchObject({ kind: 'invalid' });
  });
  it('is bounded at 107 bytes', () => {
    expect(parseProxyHeader(b(`PROXY UNKNOWN ${'x'.repeat(90)}\r\n`))).toMatchObject({ kind: 'ok', length: 106 });
    expect(parseProxyHeader(b(`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyHeader(b(`PROXY UNKNOWN ${'x'.repeat(200)}`))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyHeader(b(`PROXY UNKNOWN ${'x'.repeat(50)}`))).toEqual({ kind: 'incomplete' });
  });
  it('says none for protocol data and TLS, incomplete for a prefix', () => {
    expect(parseProxyHeader(b('EHLO client\r\n'))).toEqual({ kind: 'none' });
    expect(parseProxyHeader(Buffer.from([0x16, 0x03, 0x01]))).toEqual({ kind: 'none' });
    expect(parseProxyHeader(b('PRO'))).toEqual({ kind: 'incomplete' });
    expect(parseProxyHeader(b('PROXYTCP4'))).toEqual({ kind: 'none' });
  });
});

describe('v2', () => {
  it('reads PROXY over IPv4 and IPv6, and LOCAL', () => {
    const four = v2(0x21, 0x11, [127, 0, 0, 5, 127, 0, 0, 1, 0x9c, 0x40, 0, 143]);
    expect(parseProxyHeader(Buffer.concat([four, b('A1 NOOP\r\n')]))).toEqual({ kind: 'ok', length: 28, version: 2, client: { address: '127.0.0.5', port: 40000 } });
    const six = Buffer.alloc(36);
    six[15] = 5; six[0] = 0x20; six[1] = 0x01; six[2] = 0x0d; six[3] = 0xb8; six[31] = 1; six.writeUInt16BE(5000, 32);
    expect(parseProxyHeader(v2(0x21, 0x21, six))).toMatchObject({ kind: 'ok', length: 52, client: { address: '2001:db8::5', port: 5000 } });
    const mapped = Buffer.alloc(36);
    mapped[10] = 0xff; mapped[11] = 0xff; mapped.set([10, 1, 2, 3], 12);
    expect(parseProxyHeader(v2(0x21, 0x21, mapped))).toMatchObject({ client: { address: '::ffff:10.1.2.3' } });
    expect(parseProxyHeader(v2(0x20, 0x00, []))).toEqual({ kind: 'ok', length: 16, version: 2, client: undefined });
    expect(parseProxyHeader(v2(0x20, 0x11, Buffer.alloc(12)))).toMatchObject({ kind: 'ok', client: undefined }); // LOCAL ignores addresses
    expect(parseProxyHeader(v2(0x21, 0x11, Buffer.alloc(12 + 20)))).toMatchObject({ kind: 'ok', length: 48 }); // TLVs skipped
  });
  it('refuses bad version, command, family, transport, short blocks and oversize', () => {
    expect(parseProxyHeader(v2(0x11, 0x11, Buffer.alloc(12)))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyHeader(v2(0x22, 0x11, Buffer.alloc(12)))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyHeader(v2(0x21, 0x41, Buffer.alloc(12)))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyHeader(v2(0x21, 0x12, Buffer.alloc(12)))).toMatchObject({ kind: 'invalid' }); // UDP
    expect(parseProxyHeader(v2(0x21, 0x11, Buffer.alloc(11)))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyHeader(v2(0x21, 0x21, Buffer.alloc(35)))).toMatchObject({ kind: 'invalid' });
    const big = Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
    expect(parseProxyHeader(big)).toMatchObject({ kind: 'invalid' }); // refused from the 16 bytes alone
    expect(parseProxyHeader(v2(0x21, 0x11, Buffer.alloc(MAX_V2_PAYLOAD + 1)))).toMatchObject({ kind: 'invalid' });
  });
  it('waits for the whole header', () => {
    const h = v2(0x21, 0x11, [127, 0, 0, 5, 127, 0, 0, 1, 0, 1, 0, 2]);
    for (let n = 1; n < h.length; n++) expect(parseProxyHeader(h.subarray(0, n))).toEqual({ kind: 'incomplete' });
  });
});

describe('properties', () => {
  const endpoint = fc.record({ address: fc.oneof(fc.ipV4(), fc.ipV6()), port: fc.integer({ min: 0, max: 65535 }) });
  it('format then parse gives the client back, every truncation is incomplete', () => {
    fc.assert(
      fc.property(fc.constantFrom(1 as const, 2 as const), endpoint, fc.integer({ min: 0, max: 65535 }), fc.uint8Array({ maxLength: 64 }), (version, src, dstPort, rest) => {
        const dst = { address: src.address.includes(':') ? '::1' : '127.0.0.1', port: dstPort };
        const h = formatProxyHeader(version, src, dst);
        const r = parseProxyHeader(Buffer.concat([h, Buffer.from(rest)]));
        expect(r).toMatchObject({ kind: 'ok', length: h.length, version });
        const got = r.kind === 'ok' ? r.client! : undefined;
        expect(got?.port).toBe(src.port);
        expect(Buffer.compare(formatProxyHeader(version, got, dst), h)).toBe(0);
        for (let n = 0; n < h.length; n++) expect(parseProxyHeader(h.subarray(0, n)).kind).toBe('incomplete');
      }),
      { numRuns: 300 },
    );
  });
  it('garbage never throws, never claims more bytes than it has, never stays incomplete past the bounds', () => {
    const prefixed = fc.tuple(fc.constantFrom(b('PROXY '), V2_SIGNATURE, Buffer.alloc(0)), fc.uint8Array({ maxLength: 700 })).map(([p, r]) => Buffer.concat([p, Buffer.from(r)]));
    fc.assert(
      fc.property(prefixed, (buf) => {
        const r = parseProxyHeader(buf);
        if (r.kind === 'ok') expect(r.length).toBeLessThanOrEqual(buf.length);
        if (r.kind === 'incomplete') expect(buf.length).toBeLessThan(16 + MAX_V2_PAYLOAD);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('trusted proxies', () => {
  it('matches addresses and CIDR blocks, IPv4-mapped peers as IPv4', () => {
    const t = new TrustedProxies(['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    expect(['127.0.0.1', '10.200.1.1', '::ffff:10.0.0.1', 'fd12::1', '192.0.2.7'].map((a) => t.trusts(a))).toEqual([true, true, true, true, true]);
    expect(['127.0.0.5', '11.0.0.1', 'fe80::1', '192.0.2.8', undefined, 'x'].map((a) => t.trusts(a))).toEqual([false, false, false, false, false, false]);
    expect(() => new TrustedProxies(['10.0.0.0/33'])).toThrow();
  });
});
