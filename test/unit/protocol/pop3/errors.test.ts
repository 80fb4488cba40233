/**
 * toPop3Error, the one place POP3 chooses `-ERR` replies for errors: cluster codes become
 * `[SYS/TEMP]` with a reason, a full disk says so (and is logged), anything else is an internal
 * error without its details.
 */
import { describe, expect, it } from 'vitest';
import { Pop3Error, refuse, toPop3Error } from '../../../../src/protocol/pop3/errors.ts';

const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('toPop3Error', () => {
  it('passes a Pop3Error through', () => {
    const e = refuse('no such message', 'AUTH');
    expect(toPop3Error(e)).toEqual({ error: e, internal: false });
  });

  it.each(['FENCED', 'HOLDER_UNREACHABLE', 'NOT_SERVING', 'CLOSED', 'NO_SUCH_MESSAGE'])('%s is a temporary -ERR [SYS/TEMP] with a reason', (code) => {
    const { error, internal } = toPop3Error(withCode(code));
    expect(error).toBeInstanceOf(Pop3Error);
    expect(error.code).toBe('SYS/TEMP');
    expect(error.message).not.toBe('internal server error');
    expect(internal).toBe(false);
  });

  it.each(['ENOSPC', 'EDQUOT'])('a full disk (%s) says so, temporary, and is still logged', (code) => {
    const { error, internal } = toPop3Error(withCode(code, `${code}: no space left on device, write '/srv/mail/x'`));
    expect(error).toMatchObject({ code: 'SYS/TEMP', message: 'the server is out of disk space; please try again later' });
    expect(internal).toBe(true);
  });

  it('anything else is an internal error without its text', () => {
    const { error, internal } = toPop3Error(new Error('EIO: read failed at /srv/mail/x'));
    expect(error).toMatchObject({ code: 'SYS/TEMP', message: 'internal server error' });
    expect(internal).toBe(true);
  });
});
