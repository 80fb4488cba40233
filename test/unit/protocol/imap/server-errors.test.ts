/**
 * The one mapping from error codes to IMAP replies: every storage and cluster error code a hook
 * may throw gets a NO with a response code a client can act on; anything unknown is SERVERBUG
 * without details; APPEND/COPY/MOVE targets turn a missing mailbox into TRYCREATE.
 */
import { describe, expect, it } from 'vitest';
import { asDestination, toImapError } from '../../../../src/protocol/imap/server/errors.ts';
import { StorageError, type StorageErrorCode } from '../../../../src/storage/errors.ts';

const EXPECTED: Record<StorageErrorCode, string | undefined> = {
  BAD_MAILBOX_NAME: 'CANNOT',
  NO_SUCH_MAILBOX: 'NONEXISTENT',
  MAILBOX_EXISTS: 'ALREADYEXISTS',
  CANNOT: 'CANNOT',
  NO_SUCH_MESSAGE: 'EXPUNGEISSUED',
  BAD_FLAG: 'CANNOT',
  TOO_MANY_KEYWORDS: 'LIMIT',
  OUTSIDE_ROOT: 'SERVERBUG', // a bug or an attack: never explained to the client
  CLOSED: 'UNAVAILABLE',
};

describe('IMAP error mapping', () => {
  it.each(Object.entries(EXPECTED))('storage %s → NO [%s]', (code, imapCode) => {
    const { error } = toImapError(new StorageError(code as StorageErrorCode, 'details that stay in the log /var/lib/x'));
    expect(error.status).toBe('NO');
    expect(error.code).toBe(imapCode);
    expect(error.message).not.toContain('/var/lib');
  });

  it.each([['FENCED'], ['HOLDER_UNREACHABLE'], ['NOT_SERVING'], ['OVERQUOTA']])('cluster/quota %s → a NO the client can retry or act on', (code) => {
    const { error, internal } = toImapError(Object.assign(new Error('x'), { code }));
    expect(error.status).toBe('NO');
    expect(error.code).toBe(code === 'OVERQUOTA' ? 'OVERQUOTA' : 'UNAVAILABLE');
    expect(internal).toBe(false);
  });

  it.each([['ENOSPC'], ['EDQUOT']])('a full disk (%s) is NO [UNAVAILABLE], temporary and not the user\'s quota, and still logged', (code) => {
    const { error, internal } = toImapError(Object.assign(new Error(`${code}: no space left on device, write '/srv/mail/x'`), { code }));
    expect(error).toMatchObject({ status: 'NO', code: 'UNAVAILABLE', message: 'the server is out of disk space; please try again later' });
    expect(internal).toBe(true);
  });

  it('an unknown error is an internal one: NO [SERVERBUG] without its text', () => {
    const { error, internal } = toImapError(new Error('EIO: read failed at /srv/mail/x'));
    expect(internal).toBe(true);
    expect(error).toMatchObject({ status: 'NO', code: 'SERVERBUG', message: 'internal server error' });
  });

  it('a missing APPEND/COPY target is TRYCREATE; other errors pass through', () => {
    expect(() => asDestination('Archive')(new StorageError('NO_SUCH_MAILBOX', 'x'))).toThrow(expect.objectContaining({ code: 'TRYCREATE', message: 'no mailbox Archive; create it first' }));
    const other = new StorageError('BAD_FLAG', 'x');
    expect(() => asDestination('Archive')(other)).toThrow(other);
  });
});
