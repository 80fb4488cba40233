import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AccountNameError, parseAccount } from '../../../src/util/account.ts';

describe('account names', () => {
  it('normalises case and a trailing dot', () => {
    expect(parseAccount('Alice.Smith@Example.COM.').address).toBe('alice.smith@example.com');
  });
  it.each(['../x@example.com', 'a/b@example.com', 'a\0b@example.com', '.a@example.com', 'a..b@example.com', 'a@example', 'a@ex..com', 'a@-x.com', '@example.com', 'noat', 'a@b@c/d.com', `${'x'.repeat(65)}@example.com`])(
    'refuses %j',
    (bad) => expect(() => parseAccount(bad)).toThrow(AccountNameError),
  );
  it('never yields a name that could escape a directory', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }), (local, domain) => {
        try {
          const a = parseAccount(`${local}@${domain}.com`);
          return !a.address.includes('/') && !a.address.includes('..') && !a.address.includes('\0') && !a.local.startsWith('.');
        } catch (err) {
          return err instanceof AccountNameError;
        }
      }),
    );
  });
});
