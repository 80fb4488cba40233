/** The per-account message cache: hits, LRU eviction by entries and bytes, large messages never kept, clear. */
import { describe, expect, it } from 'vitest';
import { MessageCache } from '../../../worker/imap/message-cache.ts';

describe('MessageCache', () => {
  it('returns what was put, per folder and UID', () => {
    const c = new MessageCache();
    c.put('INBOX', 1, Buffer.from('one'));
    c.put('Sent', 1, Buffer.from('sent one'));
    expect(c.get('INBOX', 1)?.toString()).toBe('one');
    expect(c.get('Sent', 1)?.toString()).toBe('sent one');
    expect(c.get('INBOX', 2)).toBeUndefined();
  });

  it('evicts the least recently used first, by count and by bytes', () => {
    const c = new MessageCache(2, 100, 100);
    c.put('F', 1, Buffer.alloc(10));
    c.put('F', 2, Buffer.alloc(10));
    c.get('F', 1); // 1 is now more recent than 2
    c.put('F', 3, Buffer.alloc(10));
    expect([c.get('F', 1) !== undefined, c.get('F', 2) !== undefined, c.get('F', 3) !== undefined]).toEqual([true, false, true]);
    const b = new MessageCache(10, 25, 100);
    b.put('F', 1, Buffer.alloc(10));
    b.put('F', 2, Buffer.alloc(10));
    b.put('F', 3, Buffer.alloc(10)); // 30 bytes > 25: the oldest goes
    expect(b.get('F', 1)).toBeUndefined();
    expect(b.get('F', 3)).toBeDefined();
  });

  it('never keeps a message above the size cap; clear() empties it', () => {
    const c = new MessageCache(10, 1000, 50);
    c.put('F', 1, Buffer.alloc(51));
    expect(c.get('F', 1)).toBeUndefined();
    c.put('F', 2, Buffer.alloc(5));
    c.clear();
    expect(c.get('F', 2)).toBeUndefined();
  });
});
