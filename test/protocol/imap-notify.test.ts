/**
 * NOTIFY transcripts (RFC 5465) over real TCP, two or three sessions of one account on one memory
 * store: STATUS for message events in non-selected mailboxes per filter (§6: PERSONAL, INBOXES,
 * SUBSCRIBED, MAILBOXES, SUBTREE), LIST for MailboxName and SubscriptionChange (§5.4, §5.5),
 * SET (STATUS) (§3), MessageNew fetch attributes for the selected mailbox (§5.2), NOTIFY NONE, and
 * the refusals (§3, §5). Notifications come from another session's commands and from deliveries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const USERS = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`n${i}@example.test`, 'secret-pass']));
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let nextUser = 0;

const msg = (subject: string): string => `From: bob@example.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`;
const append = (folder: string, subject: string): string => `APPEND ${folder} {${Buffer.byteLength(msg(subject))}+}\r\n${msg(subject)}`;

async function login(user: string): Promise<RawImap> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN ${user} secret-pass`)).toMatch(/^l OK /);
  return c;
}

/** `count` sessions of a fresh account whose folders are `folders` (besides INBOX). */
async function sessions(count: number, folders: string[] = []): Promise<{ user: string; c: RawImap[] }> {
  const user = `n${nextUser++}@example.test`;
  const c: RawImap[] = [];
  for (let i = 0; i < count; i++) c.push(await login(user));
  for (const f of folders) expect(await c[0]!.cmd('c', `CREATE ${f}`)).toMatch(/^c OK/);
  return { user, c };
}

/** Reads until `n` lines have arrived (unsolicited responses, no command running). */
const lines = async (c: RawImap, n: number): Promise<string[]> => (await c.read((b) => b.split('\r\n').length > n)).split('\r\n').slice(0, -1);

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('RFC 5465 §3 NOTIFY', () => {
  it('is advertised', async () => {
    const { c: [a] } = await sessions(1);
    expect(await a!.cmd('c', 'CAPABILITY')).toMatch(/^\* CAPABILITY .* NOTIFY /);
  });

  it('refusals: BAD for lone MessageNew, FlagChange without both, fetch attributes off SELECTED, bad syntax; NO [BADEVENT] for unsupported events', async () => {
    const { c: [a] } = await sessions(1);
    expect(await a!.cmd('b1', 'NOTIFY SET (SELECTED (MessageNew))')).toMatch(/^b1 BAD /);
    expect(await a!.cmd('b2', 'NOTIFY SET (PERSONAL (FlagChange))')).toMatch(/^b2 BAD /);
    expect(await a!.cmd('b3', 'NOTIFY SET (PERSONAL (MessageNew (UID) MessageExpunge))')).toMatch(/^b3 BAD /);
    expect(await a!.cmd('b4', 'NOTIFY SET (ELSEWHERE (MailboxName))')).toMatch(/^b4 BAD /);
    expect(await a!.cmd('n1', 'NOTIFY SET (PERSONAL (MailboxName AnnotationChange))')).toBe('n1 NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)] event AnnotationChange is not supported\r\n');
    expect(await a!.cmd('ok', 'NOTIFY SET (selected (messagenew messageexpunge)) (personal NONE)')).toBe('ok OK NOTIFY completed\r\n');
    expect(await a!.cmd('none', 'NOTIFY NONE')).toBe('none OK NOTIFY completed\r\n');
  });

  it('SET (STATUS) reports every mailbox its groups ask message events for, before the tagged OK', async () => {
    const { c: [a, b] } = await sessions(2, ['Work', 'Play']);
    expect(await b!.cmd('a', append('Work', 'w'))).toMatch(/a OK/);
    expect(await a!.cmd('s', 'SELECT INBOX')).toMatch(/s OK/);
    // INBOX is selected: no STATUS for it (RFC 3501 §6.3.10); Play's group has only MailboxName
    expect(await a!.cmd('n', 'NOTIFY SET (STATUS) (MAILBOXES Play (MailboxName)) (PERSONAL (MessageNew MessageExpunge))')).toBe(
      '* STATUS Work (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ' + /UIDVALIDITY (\d+)/.exec(await b!.cmd('st', 'STATUS Work (UIDVALIDITY)'))![1] + ' UNSEEN 1)\r\nn OK NOTIFY completed\r\n',
    );
  });
});

describe('RFC 5465 §5.2, §5.3, §5.1: message events of non-selected mailboxes are STATUS responses', () => {
  it('PERSONAL: arrival, flag change and expunge by another session, each as it happens', async () => {
    const { c: [a, b] } = await sessions(2, ['Other']);
    expect(await a!.cmd('n', 'NOTIFY SET (PERSONAL (MessageNew MessageExpunge FlagChange))')).toBe('n OK NOTIFY completed\r\n');
    expect(await b!.cmd('a', append('Other', 'one'))).toMatch(/a OK/);
    expect(await lines(a!, 1)).toEqual(['* STATUS Other (MESSAGES 1 UIDNEXT 2 UNSEEN 1)']);
    expect(await b!.cmd('s', 'SELECT Other')).toMatch(/s OK/);
    expect(await b!.cmd('f', 'STORE 1 +FLAGS (\\Seen \\Deleted)')).toMatch(/f OK/);
    expect(await lines(a!, 1)).toEqual(['* STATUS Other (UNSEEN 0)']);
    // a flag change that leaves every value as reported is not repeated (Dovecot): the next line is the expunge's
    expect(await b!.cmd('f', 'STORE 1 +FLAGS (\\Flagged)')).toMatch(/f OK/);
    expect(await b!.cmd('e', 'EXPUNGE')).toMatch(/e OK/);
    expect(await lines(a!, 1)).toEqual(['* STATUS Other (MESSAGES 0 UIDNEXT 2 UNSEEN 0)']);
    expect(await a!.cmd('en', 'ENABLE CONDSTORE')).toMatch(/en OK/);
    expect(await b!.cmd('a', append('INBOX', 'two'))).toMatch(/a OK/);
    expect(await lines(a!, 1)).toEqual([expect.stringMatching(/^\* STATUS INBOX \(MESSAGES 1 UIDNEXT 2 UNSEEN 1 HIGHESTMODSEQ \d+\)$/)]);
  });

  it('INBOXES, MAILBOXES, SUBTREE and SUBSCRIBED pick the mailboxes; the first matching group decides', async () => {
    const { c: [a, b] } = await sessions(2, ['Work', 'Work/Q1', 'Play', 'Sub']);
    expect(await b!.cmd('sub', 'SUBSCRIBE Sub')).toMatch(/sub OK/);
    expect(await a!.cmd('n', 'NOTIFY SET (MAILBOXES Play NONE) (INBOXES (MessageNew MessageExpunge)) (SUBTREE Work (MessageNew MessageExpunge)) (SUBSCRIBED (MessageNew MessageExpunge)) (PERSONAL (MailboxName))')).toMatch(/^n OK/);
    // each change not reported is followed by one that is: notifications keep the order of the changes
    for (const [skip, report] of [['Play', 'INBOX'], ['Play', 'Work/Q1'], ['Play', 'Work'], ['Play', 'Sub']] as const) {
      expect(await b!.cmd('a', append(skip, 'x'))).toMatch(/a OK/);
      expect(await b!.cmd('a', append(report, 'y'))).toMatch(/a OK/);
      expect(await lines(a!, 1)).toEqual([expect.stringMatching(new RegExp(`^\\* STATUS ${report.replace('/', '\\/')} \\(MESSAGES 1 `))]);
    }
  });

  it('a delivery into INBOX is reported like an APPEND', async () => {
    const { user, c: [a] } = await sessions(1);
    expect(await a!.cmd('n', 'NOTIFY SET (INBOXES (MessageNew MessageExpunge))')).toMatch(/^n OK/);
    const { store, release } = await srv.hooks.registry.acquire(user);
    await store.appendMessage('INBOX', Buffer.from(msg('delivered')), []);
    release();
    srv.hooks.delivered(user);
    expect(await lines(a!, 1)).toEqual(['* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UNSEEN 1)']);
  });
});

describe('RFC 5465 §5.4 MailboxName and §5.5 SubscriptionChange', () => {
  it('create, rename, subscribe, unsubscribe and delete by another session are LIST responses', async () => {
    const { c: [a, b] } = await sessions(2);
    expect(await a!.cmd('n', 'NOTIFY SET (PERSONAL (MailboxName SubscriptionChange))')).toMatch(/^n OK/);
    expect(await b!.cmd('c', 'CREATE Projects')).toMatch(/c OK/);
    expect(await lines(a!, 1)).toEqual(['* LIST () "/" Projects']);
    expect(await b!.cmd('r', 'RENAME Projects Archive')).toMatch(/r OK/);
    expect(await lines(a!, 1)).toEqual(['* LIST () "/" Archive ("OLDNAME" (Projects))']);
    expect(await b!.cmd('s', 'SUBSCRIBE Archive')).toMatch(/s OK/);
    expect(await lines(a!, 1)).toEqual(['* LIST (\\Subscribed) "/" Archive']);
    expect(await b!.cmd('u', 'UNSUBSCRIBE Archive')).toMatch(/u OK/);
    expect(await lines(a!, 1)).toEqual(['* LIST () "/" Archive']);
    expect(await b!.cmd('d', 'DELETE Archive')).toMatch(/d OK/);
    expect(await lines(a!, 1)).toEqual(['* LIST (\\NonExistent) "/" Archive']);
  });
});

describe('RFC 5465 §5.2 the selected mailbox, and NOTIFY NONE', () => {
  it('MessageNew fetch attributes follow EXISTS in IDLE, without setting \\Seen; no STATUS for the selected mailbox', async () => {
    const { c: [a, b] } = await sessions(2);
    expect(await a!.cmd('s', 'SELECT INBOX')).toMatch(/s OK/);
    expect(await a!.cmd('n', 'NOTIFY SET (SELECTED (MessageNew (UID BODY[HEADER.FIELDS (Subject)]) MessageExpunge)) (PERSONAL (MessageNew MessageExpunge))')).toMatch(/^n OK/);
    a!.send('i IDLE\r\n');
    await a!.read((x) => x.includes('+ idling\r\n'));
    expect(await b!.cmd('a', append('INBOX', 'hello'))).toMatch(/a OK/);
    const got = await a!.read((x) => x.includes('FETCH'));
    expect(got).toMatch(/^\* 1 EXISTS\r\n\* 1 RECENT\r\n\* 1 FETCH \(UID 1 BODY\[HEADER\.FIELDS \(Subject\)\] \{\d+\}\r\nSubject: hello\r\n\r\n\)\r\n$/);
    a!.send('DONE\r\n');
    expect(await a!.until('i')).toBe('i OK IDLE terminated\r\n');
    expect(await a!.cmd('f', 'FETCH 1 FLAGS')).toBe('* 1 FETCH (FLAGS (\\Recent))\r\nf OK FETCH completed\r\n');
  });

  it('NOTIFY NONE: nothing while idle, the selected mailbox\'s updates at the next command', async () => {
    const { c: [a, b, witness] } = await sessions(3, ['Other']);
    expect(await a!.cmd('s', 'SELECT INBOX')).toMatch(/s OK/);
    expect(await a!.cmd('n', 'NOTIFY NONE')).toMatch(/^n OK/);
    expect(await witness!.cmd('s', 'SELECT INBOX')).toMatch(/s OK/);
    expect(await witness!.cmd('n', 'NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (PERSONAL (MessageNew MessageExpunge))')).toMatch(/^n OK/);
    a!.send('i IDLE\r\n');
    witness!.send('w IDLE\r\n');
    await a!.read((x) => x.includes('+ idling\r\n'));
    await witness!.read((x) => x.includes('+ idling\r\n'));
    expect(await b!.cmd('a', append('Other', 'x'))).toMatch(/a OK/);
    expect(await b!.cmd('a', append('INBOX', 'y'))).toMatch(/a OK/);
    // the witness (same account, same bus, notified right after `a`) has both by now
    const seen = await witness!.read((x) => x.includes('STATUS') && x.includes('EXISTS'));
    expect(seen).toMatch(/\* STATUS Other \(MESSAGES 1 UIDNEXT 2 UNSEEN 1\)/);
    expect(await a!.read(() => true)).toBe('');
    a!.send('DONE\r\n');
    expect(await a!.until('i')).toMatch(/^\* 1 EXISTS\r\n\* \d RECENT\r\ni OK IDLE terminated\r\n$/);
    witness!.send('DONE\r\n');
    await witness!.until('w');
  });
});
