/**
 * LIST-EXTENDED (RFC 5258), its SPECIAL-USE selection and return options (RFC 6154 §3) and
 * LIST-STATUS (RFC 5819) over real TCP against the memory store: every selection and return
 * option, the combinations RFC 5258 §5 shows, the BAD replies for unknown or misused options, and
 * imapflow, which lists with RETURN options once LIST-EXTENDED is advertised. Each test logs in as
 * its own user.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory/store.ts';
import { RawImap, startImap } from '../harness/imap.ts';

const USERS = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`x${i}@example.test`, 'secret-pass']));
let srv: Awaited<ReturnType<typeof startImap>>;
const clients: RawImap[] = [];
let nextUser = 0;

/** Logs a new user in and runs `setup` (commands that must succeed), e.g. CREATE / SUBSCRIBE. */
async function login(...setup: string[]): Promise<RawImap> {
  const c = await RawImap.open(srv.port);
  clients.push(c);
  expect(await c.cmd('l', `LOGIN x${nextUser++}@example.test secret-pass`)).toMatch(/^l OK /);
  for (const line of setup) expect(await c.cmd('s', line)).toMatch(/^s OK /);
  return c;
}
const lines = (...l: string[]): string => l.map((x) => `${x}\r\n`).join('');
const msg = (subject: string): string => `From: a@example.test\r\nSubject: ${subject}\r\n\r\nhi\r\n`;

beforeAll(async () => {
  srv = await startImap(new MemoryStore(), USERS);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.server.close();
});

describe('LIST-EXTENDED (RFC 5258) and SPECIAL-USE (RFC 6154)', () => {
  it('advertises LIST-EXTENDED and LIST-STATUS beside SPECIAL-USE and CHILDREN', async () => {
    const c = await login();
    expect(await c.cmd('c1', 'CAPABILITY')).toMatch(/^\* CAPABILITY [^\r]* CHILDREN SPECIAL-USE LIST-EXTENDED LIST-STATUS /);
  });

  it('selection SPECIAL-USE lists only special-use folders; RETURN (SPECIAL-USE) lists all with them (RFC 6154 §3)', async () => {
    const c = await login('CREATE Sent', 'CREATE Drafts', 'CREATE Trash', 'CREATE Work/2026');
    expect(await c.cmd('a1', 'LIST (SPECIAL-USE) "" "*"')).toBe(
      lines('* LIST (\\HasNoChildren \\Drafts) "/" Drafts', '* LIST (\\HasNoChildren \\Sent) "/" Sent', '* LIST (\\HasNoChildren \\Trash) "/" Trash', 'a1 OK LIST completed'),
    );
    const all = lines(
      '* LIST (\\HasNoChildren) "/" INBOX', '* LIST (\\HasNoChildren \\Drafts) "/" Drafts', '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren \\Trash) "/" Trash', '* LIST (\\HasChildren) "/" Work', '* LIST (\\HasNoChildren) "/" Work/2026',
    );
    expect(await c.cmd('a2', 'LIST "" "*" RETURN (SPECIAL-USE)')).toBe(`${all}a2 OK LIST completed\r\n`);
    expect(await c.cmd('a3', 'LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE)')).toMatch(/^\* LIST \(\\HasNoChildren \\Drafts\) "\/" Drafts\r\n.*\r\n.*\r\na3 OK/);
    expect(await c.cmd('a4', 'LIST (SPECIAL-USE) "" "%/%"')).toBe('a4 OK LIST completed\r\n');
    // plain LIST and LIST with no options answer alike
    expect(await c.cmd('a5', 'LIST "" "*"')).toBe(`${all}a5 OK LIST completed\r\n`);
    expect(await c.cmd('a6', 'LIST () "" "*"')).toBe(`${all}a6 OK LIST completed\r\n`);
  });

  it('selection SUBSCRIBED: subscribed names, \\NonExistent for those without a mailbox (RFC 5258 §5 example 2)', async () => {
    const c = await login('CREATE Fruit/Banana', 'CREATE Vegetable/Broccoli', 'SUBSCRIBE INBOX', 'SUBSCRIBE Fruit/Banana', 'SUBSCRIBE Fruit/Peach', 'SUBSCRIBE Vegetable', 'SUBSCRIBE Vegetable/Broccoli');
    expect(await c.cmd('b1', 'LIST (SUBSCRIBED) "" "*"')).toBe(
      lines(
        '* LIST (\\HasNoChildren \\Subscribed) "/" INBOX', '* LIST (\\HasNoChildren \\Subscribed) "/" Fruit/Banana', '* LIST (\\NonExistent \\Subscribed) "/" Fruit/Peach',
        '* LIST (\\HasChildren \\Subscribed) "/" Vegetable', '* LIST (\\HasNoChildren \\Subscribed) "/" Vegetable/Broccoli', 'b1 OK LIST completed',
      ),
    );
    // unlike LSUB, no unsubscribed parent stands in for a subscribed child `%` does not reach
    expect(await c.cmd('b2', 'LIST (SUBSCRIBED) "" "%"')).toBe(lines('* LIST (\\HasNoChildren \\Subscribed) "/" INBOX', '* LIST (\\HasChildren \\Subscribed) "/" Vegetable', 'b2 OK LIST completed'));
    expect(await c.cmd('b3', 'LSUB "" "%"')).toBe(lines('* LSUB (\\HasNoChildren) "/" INBOX', '* LSUB (\\Noselect \\HasChildren) "/" Fruit', '* LSUB (\\HasChildren) "/" Vegetable', 'b3 OK LSUB completed'));
    // REMOTE adds nothing: there are no remote mailboxes (§5 example 5)
    expect(await c.cmd('b4', 'LIST (SUBSCRIBED REMOTE) "" "%"')).toBe(lines('* LIST (\\HasNoChildren \\Subscribed) "/" INBOX', '* LIST (\\HasChildren \\Subscribed) "/" Vegetable', 'b4 OK LIST completed'));
  });

  it('RETURN (SUBSCRIBED) marks subscribed mailboxes among all (§5 example 3); RETURN (CHILDREN) and REMOTE (§5 examples 4–5)', async () => {
    const c = await login('CREATE Fruit/Apple', 'CREATE Tofu', 'SUBSCRIBE Tofu', 'SUBSCRIBE Gone');
    expect(await c.cmd('c1', 'LIST "" "%" RETURN (SUBSCRIBED)')).toBe(
      lines('* LIST (\\HasNoChildren) "/" INBOX', '* LIST (\\HasChildren) "/" Fruit', '* LIST (\\HasNoChildren \\Subscribed) "/" Tofu', 'c1 OK LIST completed'),
    );
    const children = lines('* LIST (\\HasNoChildren) "/" INBOX', '* LIST (\\HasChildren) "/" Fruit', '* LIST (\\HasNoChildren) "/" Tofu');
    expect(await c.cmd('c2', 'LIST () "" "%" RETURN (CHILDREN)')).toBe(`${children}c2 OK LIST completed\r\n`);
    expect(await c.cmd('c3', 'LIST (REMOTE) "" "%" RETURN (CHILDREN)')).toBe(`${children}c3 OK LIST completed\r\n`);
    expect(await c.cmd('c4', 'list (remote) "" "%" return (children subscribed special-use)')).toMatch(/\* LIST \(\\HasNoChildren \\Subscribed\) "\/" Tofu\r\nc4 OK/);
  });

  it('SUBSCRIBED RECURSIVEMATCH: parents of subscribed names with CHILDINFO (§3.5, §5 examples 8–9)', async () => {
    const c = await login('CREATE Foo/Bar', 'CREATE Foo/Baz', 'CREATE Moo', 'CREATE Eps/Mu', 'SUBSCRIBE Foo/Bar', 'SUBSCRIBE Eps', 'SUBSCRIBE Eps/Mu', 'SUBSCRIBE Zed/Gone', 'SUBSCRIBE Moo');
    expect(await c.cmd('d1', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)')).toBe(
      lines(
        '* LIST (\\HasChildren \\Subscribed) "/" Eps ("CHILDINFO" ("SUBSCRIBED"))', '* LIST (\\HasChildren) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\HasNoChildren \\Subscribed) "/" Moo', '* LIST (\\NonExistent) "/" Zed ("CHILDINFO" ("SUBSCRIBED"))', 'd1 OK LIST completed',
      ),
    );
    // Foo/Bar matches the pattern itself, so Foo is not listed for it (§3.5; Dovecot the same)
    expect(await c.cmd('d2', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Foo*"')).toBe(lines('* LIST (\\HasNoChildren \\Subscribed) "/" Foo/Bar', 'd2 OK LIST completed'));
    expect(await c.cmd('d5', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" (Foo Foo/Bar)')).toBe(lines('* LIST (\\HasNoChildren \\Subscribed) "/" Foo/Bar', 'd5 OK LIST completed'));
    expect(await c.cmd('d6', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" Foo')).toBe(lines('* LIST (\\HasChildren) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))', 'd6 OK LIST completed'));
    // without RECURSIVEMATCH neither parent nor CHILDINFO
    expect(await c.cmd('d3', 'LIST (SUBSCRIBED) "" "Foo*"')).toBe(lines('* LIST (\\HasNoChildren \\Subscribed) "/" Foo/Bar', 'd3 OK LIST completed'));
    expect(await c.cmd('d4', 'LIST (SUBSCRIBED REMOTE RECURSIVEMATCH) "" "Z%"')).toBe(lines('* LIST (\\NonExistent) "/" Zed ("CHILDINFO" ("SUBSCRIBED"))', 'd4 OK LIST completed'));
  });

  it('SPECIAL-USE RECURSIVEMATCH is accepted (special use is top-level here, so no CHILDINFO); with SUBSCRIBED both must hold', async () => {
    const c = await login('CREATE Sent', 'CREATE Junk', 'CREATE Lists/a', 'SUBSCRIBE Sent');
    expect(await c.cmd('e1', 'LIST (SPECIAL-USE RECURSIVEMATCH) "" "%"')).toBe(lines('* LIST (\\HasNoChildren \\Junk) "/" Junk', '* LIST (\\HasNoChildren \\Sent) "/" Sent', 'e1 OK LIST completed'));
    expect(await c.cmd('e2', 'LIST (SUBSCRIBED SPECIAL-USE) "" "*"')).toBe(lines('* LIST (\\HasNoChildren \\Subscribed \\Sent) "/" Sent', 'e2 OK LIST completed'));
  });

  it('several patterns list each name once, in one order (§5 example 7)', async () => {
    const c = await login('CREATE Drafts', 'CREATE Sent', 'CREATE Sent/2026', 'CREATE Sentinel', 'CREATE Other');
    expect(await c.cmd('f1', 'LIST "" ("INBOX" "Sent*")')).toBe(
      lines('* LIST (\\HasNoChildren) "/" INBOX', '* LIST (\\HasChildren \\Sent) "/" Sent', '* LIST (\\HasNoChildren) "/" Sent/2026', '* LIST (\\HasNoChildren) "/" Sentinel', 'f1 OK LIST completed'),
    );
    expect(await c.cmd('f2', 'LIST () "" ("INBOX" "Drafts" "Sent/%")')).toBe(
      lines('* LIST (\\HasNoChildren) "/" INBOX', '* LIST (\\HasNoChildren \\Drafts) "/" Drafts', '* LIST (\\HasNoChildren) "/" Sent/2026', 'f2 OK LIST completed'),
    );
    expect(await c.cmd('f3', 'LIST "" (S* Sent %)')).toBe(
      lines('* LIST (\\HasNoChildren) "/" INBOX', '* LIST (\\HasNoChildren \\Drafts) "/" Drafts', '* LIST (\\HasNoChildren) "/" Other', '* LIST (\\HasChildren \\Sent) "/" Sent', '* LIST (\\HasNoChildren) "/" Sent/2026', '* LIST (\\HasNoChildren) "/" Sentinel', 'f3 OK LIST completed'),
    );
    expect(await c.cmd('f4', 'LIST (SPECIAL-USE) "" (INBOX Sent Drafts)')).toBe(lines('* LIST (\\HasNoChildren \\Drafts) "/" Drafts', '* LIST (\\HasChildren \\Sent) "/" Sent', 'f4 OK LIST completed'));
  });

  it('RETURN (STATUS …): a STATUS after each selectable mailbox, none for \\Noselect or \\NonExistent (RFC 5819 §2)', async () => {
    const c = await login('CREATE Box', 'CREATE Deep/Inner', 'DELETE Deep', 'SUBSCRIBE Box', 'SUBSCRIBE Gone');
    const m = msg('one');
    expect(await c.cmd('g0', `APPEND Box (\\Seen) {${m.length}+}\r\n${m}`)).toMatch(/^g0 OK/);
    expect(await c.cmd('g1', `APPEND Box {${m.length}+}\r\n${m}`)).toMatch(/^g1 OK/);
    expect(await c.cmd('g2', 'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))')).toBe(
      lines(
        '* LIST (\\HasNoChildren) "/" INBOX', '* STATUS INBOX (MESSAGES 0 UNSEEN 0)', '* LIST (\\HasNoChildren) "/" Box', '* STATUS Box (MESSAGES 2 UNSEEN 1)',
        '* LIST (\\Noselect \\HasChildren) "/" Deep', '* LIST (\\HasNoChildren) "/" Deep/Inner', '* STATUS Deep/Inner (MESSAGES 0 UNSEEN 0)', 'g2 OK LIST completed',
      ),
    );
    expect(await c.cmd('g3', 'LIST (SUBSCRIBED) "" "*" RETURN (STATUS (UIDNEXT SIZE) CHILDREN)')).toMatch(
      /^\* LIST \(\\HasNoChildren \\Subscribed\) "\/" Box\r\n\* STATUS Box \(UIDNEXT 3 SIZE \d+\)\r\n\* LIST \(\\NonExistent \\Subscribed\) "\/" Gone\r\ng3 OK LIST completed\r\n$/,
    );
  });

  it('BAD for unknown options and for RECURSIVEMATCH alone or only with REMOTE (RFC 5258 §3, §3.1); the session goes on', async () => {
    const c = await login('CREATE Sent');
    expect(await c.cmd('h1', 'LIST (FOLDERS) "" "*"')).toBe('h1 BAD Unknown LIST selection option FOLDERS\r\n');
    expect(await c.cmd('h2', 'LIST "" "*" RETURN (COLOURS)')).toBe('h2 BAD Unknown LIST return option COLOURS\r\n');
    expect(await c.cmd('h3', 'LIST (RECURSIVEMATCH) "" "*"')).toBe('h3 BAD RECURSIVEMATCH needs the SUBSCRIBED or SPECIAL-USE selection option\r\n');
    expect(await c.cmd('h4', 'LIST (REMOTE RECURSIVEMATCH) "" "*"')).toBe('h4 BAD RECURSIVEMATCH needs the SUBSCRIBED or SPECIAL-USE selection option\r\n');
    expect(await c.cmd('h5', 'LIST (SPECIAL-USE) "" "*"')).toBe(lines('* LIST (\\HasNoChildren \\Sent) "/" Sent', 'h5 OK LIST completed'));
    const d = await login(); // a session is closed after five BAD replies
    expect(await d.cmd('i1', 'LIST "" "*" RETURN (STATUS (COLOUR))')).toBe('i1 BAD Unknown status item\r\n');
    expect(await d.cmd('i2', 'LIST "" ()')).toBe('i2 BAD Empty list\r\n');
    expect(await d.cmd('i3', 'LSUB (SUBSCRIBED) "" "*"')).toMatch(/^i3 BAD /);
    expect(await d.cmd('i4', 'LIST "" "*" RETURN')).toMatch(/^i4 BAD /);
    expect(await d.cmd('i5', 'LIST "" "*" RETURN (SUBSCRIBED)')).toBe(lines('* LIST (\\HasNoChildren) "/" INBOX', 'i5 OK LIST completed'));
  });
});

describe('imapflow over LIST-EXTENDED', () => {
  it('lists special-use folders from the server attributes, with subscriptions and inline STATUS', async () => {
    const sent: string[] = [];
    const f = new ImapFlow({
      host: '127.0.0.1', port: srv.port, secure: false, doSTARTTLS: false, auth: { user: `x${nextUser++}@example.test`, pass: 'secret-pass' }, logRaw: true,
      logger: { trace: (e: { msg?: string; src?: string; data?: string }) => void (e.src === 'c' && e.data && sent.push(Buffer.from(e.data, 'base64').toString())), debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    f.on('error', () => undefined);
    await f.connect();
    try {
      for (const name of ['Sent Items', 'Drafts', 'Junk', 'Archive', 'Notes/2026']) await f.mailboxCreate(name);
      await f.mailboxUnsubscribe('Junk'); // imapflow subscribes what it creates
      await f.append('Drafts', msg('draft'));
      sent.length = 0;
      const list = await f.list({ statusQuery: { messages: true, unseen: true } });
      expect(sent.join('')).toMatch(/ LIST "" "\*" RETURN \(STATUS \(MESSAGES UNSEEN\) SPECIAL-USE CHILDREN SUBSCRIBED\)\r\n/);
      expect(sent.join('')).not.toMatch(/ STATUS /); // the statuses came inline
      const byPath = new Map(list.map((m) => [m.path, m]));
      expect(list.map((m) => m.path)).toEqual(expect.arrayContaining(['INBOX', 'Sent Items', 'Drafts', 'Junk', 'Archive', 'Notes', 'Notes/2026']));
      for (const [path, use] of [['Sent Items', '\\Sent'], ['Drafts', '\\Drafts'], ['Junk', '\\Junk'], ['Archive', '\\Archive']] as const) {
        expect(byPath.get(path)).toMatchObject({ specialUse: use, specialUseSource: 'extension' });
      }
      expect(byPath.get('Notes/2026')!.specialUse).toBeUndefined();
      expect(byPath.get('Drafts')).toMatchObject({ subscribed: true, status: { messages: 1, unseen: 1 } });
      expect(byPath.get('Junk')).toMatchObject({ status: { messages: 0 } });
      expect(byPath.get('Junk')!.subscribed).toBeFalsy(); // no \\Subscribed: imapflow leaves it unset
      expect(byPath.get('Notes')!.flags.has('\\HasChildren')).toBe(true);
    } finally {
      await f.logout().catch(() => f.close());
    }
  });
});
