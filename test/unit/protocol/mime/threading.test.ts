/** THREAD algorithms (RFC 5256 §3) on the cases that break naive threaders: loops, self references, missing parents. */
import { describe, expect, it } from 'vitest';
import { baseSubject } from '../../../../src/protocol/mime/base-subject.ts';
import { messageIds, orderedSubject, references, type ThreadInput } from '../../../../src/protocol/mime/threading.ts';
import { threadData } from '../../../../src/protocol/imap/response-data.ts';

let n = 0;
const m = (subject: string, id: string | undefined, refs: string[] = [], date = ++n): ThreadInput => ({ id: date, order: date, date, subject: baseSubject(subject), messageId: id, references: refs });
const wire = (t: ReturnType<typeof references>) => threadData(t).toString().trimEnd();

describe('REFERENCES', () => {
  it('a message that references itself, and a reference loop, stay single and finite', () => {
    n = 0;
    expect(wire(references([m('a', 'x', ['x'])]))).toBe('* THREAD (1)');
    n = 0;
    expect(wire(references([m('p', 'p1', ['p2']), m('q', 'p2', ['p1'])]))).toBe('* THREAD (2 1)');
  });

  it('a missing intermediate is pruned; a missing common parent stays as a dummy group', () => {
    n = 0;
    expect(wire(references([m('a', 'a', []), m('b', 'b', ['a', 'gone'])]))).toBe('* THREAD (1 2)');
    n = 0;
    expect(wire(references([m('a', 'a', ['root']), m('b', 'b', ['root'])]))).toBe('* THREAD ((1)(2))');
  });

  it('roots with one base subject merge: a reply goes under the original, two originals under a dummy', () => {
    n = 0;
    expect(wire(references([m('Topic', 'a'), m('Re: topic', 'b'), m('other', 'c')]))).toBe('* THREAD (1 2)(3)');
    n = 0;
    expect(wire(references([m('Topic', 'a'), m('other', 'c'), m('topic', 'b')]))).toBe('* THREAD ((1)(3))(2)');
  });

  it('a References header of 200,000 ids costs no more than its last MAX_REFERENCES', () => {
    n = 0;
    const refs = Array.from({ length: 200_000 }, (_, i) => `r${i}`);
    const started = Date.now();
    expect(wire(references([m('a', 'r199999'), m('Re: a', 'b', refs)]))).toBe('* THREAD (1 2)');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('missing or duplicate Message-IDs make separate messages', () => {
    n = 0;
    expect(wire(references([m('a', undefined), m('b', undefined), m('c', 'd'), m('e', 'd')]))).toBe('* THREAD (1)(2)(3)(4)');
  });
});

describe('ORDEREDSUBJECT', () => {
  it('groups by base subject, children flat in date order, threads by first date', () => {
    n = 0;
    expect(wire(orderedSubject([m('b', 'x'), m('Re: a', 'y'), m('a', 'z'), m('Fwd: b', 'w')]))).toBe('* THREAD (1 4)(2 3)');
    n = 0;
    expect(wire(orderedSubject([m('a', '1'), m('re: a', '2'), m('[x] a', '3')]))).toBe('* THREAD (1 (2)(3))');
    expect(wire(orderedSubject([]))).toBe('* THREAD');
  });
});

it('messageIds reads <…> ids and ignores the rest', () => {
  expect(messageIds(' <a@b>  junk <c@d>\r\n\t<e@f>')).toEqual(['a@b', 'c@d', 'e@f']);
  expect(messageIds(undefined)).toEqual([]);
});
