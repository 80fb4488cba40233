/**
 * What a client is told when this node stops serving an account under its session (AccountHolds
 * `closed` reasons: drain, move, self-fencing, release) — the same words for IMAP's `* BYE` and
 * POP3's `-ERR [SYS/TEMP]`. Every one ends with what to do: reconnect (the next login is routed
 * to the account's new holder).
 */
const REASONS: Record<string, string> = {
  'node draining': 'this server is being drained; please reconnect',
  'moved by the operator': 'your mailbox moved to another server; please reconnect',
  'self-fenced': 'this server lost contact with the cluster; please reconnect',
  released: 'mailbox closed on this server; please reconnect',
};

export function closeReason(reason: string): string {
  return REASONS[reason] ?? `mailbox closed (${reason}); please reconnect`;
}
