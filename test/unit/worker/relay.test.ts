/**
 * Direct MX delivery (RFC 5321 §5.1) against real smtp-server sinks on loopback addresses that share
 * one port, with MX and A records served by the test DNS server through `relay.dnsServers`:
 * preference order, the next MX only when one cannot be reached, null MX (RFC 7505), the implicit
 * MX (address record), a failed lookup, and one send to two domains.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { TestDns } from '../../harness/dns.ts';
import { Relay } from '../../../worker/delivery/relay.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { loadConfig } from '../../../src/config/loader.ts';

/** A remote MX: records each delivered envelope's recipients; `busy` answers 451 to every RCPT. */
class Sink {
  readonly delivered: string[][] = [];
  rcpts = 0;
  readonly server: SMTPServer;
  constructor(readonly ip: string, busy = false) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      disableReverseLookup: true,
      logger: false,
      onRcptTo: (_a, _s, cb) => {
        this.rcpts += 1;
        cb(busy ? Object.assign(new Error('4.3.0 try again later'), { responseCode: 451 }) : undefined);
      },
      onData: (stream, session, cb) => {
        stream.resume();
        stream.on('end', () => {
          this.delivered.push(session.envelope.rcptTo.map((r) => r.address));
          cb();
        });
      },
    });
  }
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.ip, () => resolve((this.server.server.address() as AddressInfo).port));
    });
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const A = new Sink('127.0.0.2');
const B = new Sink('127.0.0.3');
const BUSY = new Sink('127.0.0.4', true);
const V6 = new Sink('::1');
const sinks = [A, B, BUSY, V6];
/** Nothing listens here: connections are refused. */
const DOWN = '127.0.0.9';
const dns = new TestDns();
let port = 0;
let server = '';

/** All sinks on one port (mxPort is per relay): the first picks it, the rest follow or all retry. */
async function listenAll(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const p = await A.listen(0);
    try {
      for (const s of sinks.slice(1)) await s.listen(p);
      return p;
    } catch (err) {
      await Promise.all(sinks.map((s) => (s.server.server.listening ? s.close() : undefined)));
      if (attempt === 4) throw err;
    }
  }
}

beforeAll(async () => {
  port = await listenAll();
  server = await dns.start();
  dns
    .set('mx-a.test', { a: ['127.0.0.2'] })
    .set('mx-b.test', { a: ['127.0.0.3'] })
    .set('mx-busy.test', { a: ['127.0.0.4'] })
    .set('mx-down.test', { a: [DOWN] })
    .set('mx-v6.test', { aaaa: ['::1'] })
    .set('pref.test', { mx: [{ priority: 20, exchange: 'mx-b.test' }, { priority: 10, exchange: 'mx-a.test' }] })
    .set('fallback.test', { mx: [{ priority: 5, exchange: 'no-such-host.test' }, { priority: 10, exchange: 'mx-down.test' }, { priority: 20, exchange: 'mx-b.test' }] })
    .set('busy.test', { mx: [{ priority: 10, exchange: 'mx-busy.test' }, { priority: 20, exchange: 'mx-b.test' }] })
    .set('null.test', { mx: [{ priority: 0, exchange: '' }] })
    .set('bare.test', { a: ['127.0.0.3'] })
    .set('v6.test', { mx: [{ priority: 10, exchange: 'mx-v6.test' }] })
    .set('one.test', { mx: [{ priority: 10, exchange: 'mx-a.test' }] })
    .set('two.test', { mx: [{ priority: 10, exchange: 'mx-b.test' }] })
    .set('dead.test', { mx: [{ priority: 10, exchange: 'mx-down.test' }] })
    .breakName('broken.test');
});
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  await dns.stop();
});
beforeEach(() => {
  for (const s of sinks) {
    s.delivered.length = 0;
    s.rcpts = 0;
  }
  dns.queries.length = 0;
});

const relay = () => new Relay({ smarthost: '', mxPort: port, hostname: 'mail-0.example.test', log: silentLogger, dnsServers: [server] });
const message = Buffer.from('From: a@example.test\r\nSubject: out\r\n\r\nhello\r\n');
const send = (...to: string[]) => relay().send('a@example.test', to, message);

describe('Relay direct to MX', () => {
  it('delivers to the most preferred MX, whatever order the records come in', async () => {
    expect(await send('x@pref.test')).toEqual([{ address: 'x@pref.test', ok: true }]);
    expect(A.delivered).toEqual([['x@pref.test']]);
    expect(B.rcpts).toBe(0);
    expect(dns.queries).toEqual(['pref.test MX', 'mx-a.test A']);
  });

  it('moves to the next MX when one has no address or cannot be reached', async () => {
    expect(await send('x@fallback.test')).toEqual([{ address: 'x@fallback.test', ok: true }]);
    expect(B.delivered).toEqual([['x@fallback.test']]);
    expect(dns.queries).toEqual(['fallback.test MX', 'no-such-host.test A', 'mx-down.test A', 'mx-b.test A']);
  });

  it('returns a reachable MX 4xx as temporary without trying the next MX', async () => {
    expect(await send('x@busy.test')).toEqual([{ address: 'x@busy.test', ok: false, permanent: false, reply: expect.stringMatching(/^451 4\.3\.0 /) }]);
    expect(BUSY.rcpts).toBe(1);
    expect(B.rcpts).toBe(0);
  });

  it('is temporary when no MX can be reached', async () => {
    expect(await send('x@dead.test')).toEqual([{ address: 'x@dead.test', ok: false, permanent: false, reply: expect.stringMatching(/^451 4\.4\.1 127\.0\.0\.9:\d+: /) }]);
  });

  it('fails a null MX domain at once with 556 5.1.10', async () => {
    expect(await send('x@null.test')).toEqual([{ address: 'x@null.test', ok: false, permanent: true, reply: '556 5.1.10 domain does not accept mail (null MX)' }]);
    expect(dns.queries).toEqual(['null.test MX']);
  });

  it('delivers to the address record of a domain without MX (the implicit MX)', async () => {
    expect(await send('x@bare.test')).toEqual([{ address: 'x@bare.test', ok: true }]);
    expect(B.delivered).toEqual([['x@bare.test']]);
    expect(dns.queries).toEqual(['bare.test MX', 'bare.test A']);
  });

  it('connects over IPv6 to an MX host with only an AAAA record', async () => {
    expect(await send('x@v6.test')).toEqual([{ address: 'x@v6.test', ok: true }]);
    expect(V6.delivered).toEqual([['x@v6.test']]);
    expect(dns.queries).toEqual(['v6.test MX', 'mx-v6.test A', 'mx-v6.test AAAA']);
  });

  it('fails a domain that does not exist (NXDOMAIN) at once with 550 5.1.2', async () => {
    expect(await send('x@nowhere.test')).toEqual([{ address: 'x@nowhere.test', ok: false, permanent: true, reply: '550 5.1.2 domain nowhere.test does not exist' }]);
  });

  it('answers 451 4.4.3 (temporary) when the MX lookup fails', async () => {
    expect(await send('x@broken.test')).toEqual([{ address: 'x@broken.test', ok: false, permanent: false, reply: '451 4.4.3 MX lookup for broken.test failed: ESERVFAIL' }]);
    expect(sinks.map((s) => s.rcpts)).toEqual([0, 0, 0, 0]);
  });

  it('sends each domain of one message to its own MX', async () => {
    expect(await send('x@one.test', 'y@two.test', 'z@one.test')).toEqual([
      { address: 'x@one.test', ok: true },
      { address: 'z@one.test', ok: true },
      { address: 'y@two.test', ok: true },
    ]);
    expect(A.delivered).toEqual([['x@one.test', 'z@one.test']]);
    expect(B.delivered).toEqual([['y@two.test']]);
  });
});

describe('relay.dnsServers', () => {
  const load = (v: string) => loadConfig({ env: { MAILCLUSTER_RELAY_DNS_SERVERS: v }, purpose: 'client' }).relay.dnsServers;

  it('takes IP addresses with optional ports, comma-separated in MAILCLUSTER_RELAY_DNS_SERVERS', () => {
    expect(loadConfig({ env: {}, purpose: 'client' }).relay.dnsServers).toEqual([]);
    expect(load('10.96.0.10, 127.0.0.1:5353,[::1]:53')).toEqual(['10.96.0.10', '127.0.0.1:5353', '[::1]:53']);
  });

  it('refuses host names and bad ports', () => {
    expect(() => load('kube-dns.kube-system')).toThrow(/relay\.dnsServers\.0: must be an IP address/);
    expect(() => load('10.0.0.1:0')).toThrow(/relay\.dnsServers\.0/);
  });
});
