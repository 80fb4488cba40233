/** The runner's targets by name: the same FuzzTargets the fast-check properties use. */
import type { FuzzTarget } from '../../test/unit/fuzz/targets/target.ts';
import { imapTarget } from '../../test/unit/fuzz/targets/imap.ts';
import { pop3Target } from '../../test/unit/fuzz/targets/pop3.ts';
import { smtpTarget } from '../../test/unit/fuzz/targets/smtp.ts';
import { mimeTarget } from '../../test/unit/fuzz/targets/mime.ts';

export const TARGETS: Record<string, FuzzTarget> = { imap: imapTarget, pop3: pop3Target, smtp: smtpTarget, mime: mimeTarget };
export const TARGET_NAMES = Object.keys(TARGETS);
