/**
 * SMTP input, the parts we parse ourselves (smtp-server frames commands and un-stuffs DATA):
 * - the PROXY header in front of a connection (worker/net/proxy-header.ts);
 * - EHLO/HELO/LHLO names and envelope addresses as they reach the Received and Return-Path
 *   headers (src/util/mail-headers.ts), RCPT addresses through parseAccount (the account name that
 *   becomes an etcd key and a path), MAIL FROM's ENVID through decodeEnvid (internal LMTP);
 * - the DATA message and the recipients' replies through a bounce (src/mime/dsn.ts), and the
 *   message's wire form (isWireClean / wireForm).
 * Properties: only AccountNameError escapes; a PROXY parse is a pure function of a prefix (an
 * incomplete prefix stays incomplete or completes to the same header, bytes after it change
 * nothing); trace headers are exactly their lines, printable, whatever the client sent; an
 * account name is normalised, idempotently, to safe characters; a bounce always parses as a
 * multipart/report of three parts whose status codes are well-formed.
 */
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { MAX_V2_PAYLOAD, parseProxyHeader, V1_MAX, type ProxyParse } from '../../../../worker/net/proxy-header.ts';
import { decodeEnvid, encodeEnvid } from '../../../../worker/lmtp/envid.ts';
import { receivedHeader, returnPathHeader } from '../../../../src/util/mail-headers.ts';
import { AccountNameError, parseAccount } from '../../../../src/util/account.ts';
import { buildDsn } from '../../../../src/mime/dsn.ts';
import { isWireClean } from '../../../../src/util/crlf.ts';
import { wireForm } from '../../../../src/protocol/pop3/response.ts';
import { parseMime } from '../../../../src/protocol/mime/index.ts';
import { corpusLines, LINE_TOKENS } from '../mutate.ts';
import { bounded } from '../bounded.ts';
import { lineSeeds, type FuzzTarget } from './target.ts';

const PROXY_BOUND = 16 + MAX_V2_PAYLOAD;

function checkProxy(input: Buffer): void {
  const whole = bounded('proxy header', () => parseProxyHeader(input));
  if (whole.kind === 'incomplete') assert.ok(input.length < PROXY_BOUND, `incomplete after ${input.length} bytes`);
  if (whole.kind !== 'ok') return;
  assert.ok(whole.length <= input.length && whole.length <= (whole.version === 1 ? V1_MAX : PROXY_BOUND));
  if (whole.client) {
    assert.ok(isIP(whole.client.address) !== 0, `client address ${whole.client.address}`);
    assert.ok(whole.client.port >= 0 && whole.client.port <= 65535);
  }
  const same = (p: ProxyParse): void => assert.deepEqual(p, whole, 'bytes after the header changed its parse');
  same(parseProxyHeader(Buffer.concat([input.subarray(0, whole.length), Buffer.from('EHLO x\r\n')])));
  same(parseProxyHeader(input.subarray(0, whole.length)));
  for (let n = 0; n < whole.length; n++) assert.equal(parseProxyHeader(input.subarray(0, n)).kind, 'incomplete', `a ${n}-byte prefix is not incomplete`);
}

function checkTrace(helo: string, from: string, rcpt: string): void {
  const h = bounded('received header', () => receivedHeader({ helo, clientHostname: helo, remoteAddress: '192.0.2.1', by: 'mx.example.test', protocol: 'ESMTP', id: 'q1', for: rcpt || undefined }));
  assert.match(h, /^Received: [\x21-\x7e][\x20-\x7e]*(\r\n\t[\x20-\x7e]+){2,3}\r\n$/, `Received header ${JSON.stringify(h)}`);
  assert.ok(h.length < 1200);
  const rp = returnPathHeader(from);
  assert.match(rp, /^Return-Path: <[^\r\n<>]*>\r\n$/s, `Return-Path ${JSON.stringify(rp)}`);
}

function checkAccount(address: string): void {
  let a;
  try {
    a = bounded('parseAccount', () => parseAccount(address));
  } catch (err) {
    if (err instanceof AccountNameError) return;
    throw err;
  }
  assert.match(a.address, /^[a-z0-9!#$%&'*+=?^_`{|}~.-]+@[a-z0-9.-]+$/, `account ${JSON.stringify(a.address)}`);
  assert.ok(!a.address.includes('..') && !a.address.includes('/') && a.address.length <= 320);
  assert.equal(parseAccount(a.address).address, a.address, 'normalisation is not idempotent');
}

function checkEnvid(params: string): void {
  const m = /(?:^|\s)ENVID=(\S*)/i.exec(params);
  if (!m) return;
  const q = decodeEnvid(m[1]);
  if (q) assert.equal(encodeEnvid(q), m[1], 'ENVID does not round-trip');
}

function checkDsn(original: Buffer, replies: string[], rcpts: string[]): void {
  const failed = (replies.length ? replies : ['550 5.1.1 no such user']).slice(0, 20).map((reply, i) => ({ address: rcpts[i] ?? 'bob@example.test', reply }));
  const dsn = bounded('build dsn', () => buildDsn({ reportingMta: 'mx.example.test', to: 'sender@example.org', queueId: 'q1', arrival: new Date(0), failed, original }));
  const msg = bounded('parse dsn', () => parseMime(dsn));
  assert.equal(`${msg.type}/${msg.subtype}`, 'multipart/report');
  assert.deepEqual(msg.parts.map((p) => `${p.type}/${p.subtype}`), ['text/plain', 'message/delivery-status', 'text/rfc822-headers'], 'bounce structure');
  const status = dsn.toString('latin1').match(/^Status: .*$/gm) ?? [];
  assert.equal(status.length, failed.length);
  for (const s of status) assert.match(s, /^Status: [245]\.\d{1,3}\.\d{1,3}\r?$/);
}

/** The address of `MAIL FROM:<a> params` / `RCPT TO:<a> params`, roughly as smtp-server splits it. */
function envelopeArg(line: string): { address: string; params: string } {
  const rest = line.slice(line.indexOf(':') + 1).trimStart();
  const m = /^<([^>]*)>?(.*)$/s.exec(rest) ?? /^(\S*)(.*)$/s.exec(rest)!; // s: a bare CR may be in the line
  return { address: m[1]!, params: m[2]! };
}

export const smtpTarget: FuzzTarget<void> = {
  name: 'smtp',
  seeds: () => lineSeeds(corpusLines('smtp.txt')),
  tokens: LINE_TOKENS,
  run(input) {
    checkProxy(input);
    let helo = '';
    let from = '';
    const rcpts: string[] = [];
    const replies: string[] = [];
    const data: string[] = [];
    let inData = false;
    let message: Buffer | undefined;
    for (const raw of input.toString('latin1').split('\n')) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (inData) {
        if (line === '.') {
          inData = false;
          message = Buffer.from(data.join('\r\n') + '\r\n', 'latin1');
        } else data.push(line.startsWith('.') ? line.slice(1) : line);
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO' || verb === 'LHLO') helo = line.slice(5);
      else if (/^MAIL FROM:/i.test(line)) {
        const { address, params } = envelopeArg(line);
        from = address;
        checkEnvid(params);
      } else if (/^RCPT TO:/i.test(line)) {
        const { address } = envelopeArg(line);
        rcpts.push(address);
        checkAccount(address);
      } else if (verb === 'DATA') inData = true;
      else if (/^\d{3}[ -]/.test(line)) replies.push(line);
      checkTrace(helo, from, rcpts[rcpts.length - 1] ?? '');
    }
    const original = message ?? input;
    assert.ok(isWireClean(wireForm(original)), 'wire form is not wire-clean');
    checkDsn(original, replies, rcpts);
  },
};
