/** Base subject extraction, RFC 5256 §2.1 steps (1)–(6), and whether the message counts as a reply. */
import { describe, expect, it } from 'vitest';
import { baseSubject } from '../../../../src/protocol/mime/base-subject.ts';

describe('RFC 5256 §2.1 base subject', () => {
  it.each([
    ['Re: hello', 'hello', true],
    ['RE:hello', 'hello', true],
    ['Fwd: hello', 'hello', true],
    ['fw: hello', 'hello', true],
    ['Re[2]: hello', 'hello', true], // subj-refwd with a subj-blob before the colon
    ['Re: Re: Fwd: hello', 'hello', true], // (5) repeat
    ['[list] Re: hello', 'hello', true], // *subj-blob subj-refwd
    ['Re: [list] hello', 'hello', true], // (4) a blob whose removal leaves a non-empty base
    ['[list]', '[list]', false], // (4) ... but not one that would leave nothing
    ['hello (fwd)', 'hello', true], // (2) subj-trailer
    ['hello (fwd) (FWD)  ', 'hello', true],
    ['[fwd: hello]', 'hello', true], // (6)
    ['[Fwd: Re: hello (fwd)]', 'hello', true], // (6) then (2)–(5) again
    ['  hello\t  world  ', 'hello world', false], // (1) white space collapsed, leading WSP is a leader
    ['Reply to all', 'Reply to all', false], // "re" without a colon is text
    ['=?UTF-8?B?UmU6IGjDqWxsbw==?=', 'héllo', true], // (1) encoded words are decoded first
    ['=?ISO-8859-1?Q?Re:_=E9t=E9?=', 'été', true],
    ['', '', false],
  ])('%j → %j', (raw, subject, isReply) => {
    const b = baseSubject(raw);
    expect(b.subject).toBe(subject);
    expect(b.isReply).toBe(isReply);
    expect(b.key).toBe(subject.toUpperCase().normalize('NFKD'));
  });

  it('the comparison key is upper-cased and decomposed, so É sorts with E as in Dovecot', () => {
    expect(baseSubject('été').key.startsWith('E')).toBe(true);
    expect(baseSubject('été').key < baseSubject('F').key).toBe(true);
  });

  it('a missing Subject is the empty base subject', () => {
    expect(baseSubject(undefined)).toEqual({ subject: '', key: '', isReply: false });
  });
});
