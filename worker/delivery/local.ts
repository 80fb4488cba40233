/**
 * Local delivery: the last step on the holder. Contract of `deliver`: resolves only when the
 * message is durably in the account's INBOX (the store's append is tmp → fsync → rename); rejects
 * with a DeliveryError saying whether the failure is temporary or permanent.
 */
export class DeliveryError extends Error {
  constructor(readonly permanent: boolean, readonly reply: string) {
    super(reply);
    this.name = 'DeliveryError';
  }
}

/**
 * A delivery from the queue: `queueId` names the accepted message (the spool's id). On a retry
 * (`retry`: an earlier attempt may have stored it before its outcome was lost — the spooling node
 * died, or its connection did) a copy already stored under that id is not stored again.
 */
export interface QueuedDelivery { queueId: string; retry: boolean }

export interface LocalDelivery {
  /** `token` is the fencing token of this node's grant for `account`. */
  deliver(account: string, token: string, message: Buffer, queued?: QueuedDelivery): Promise<void>;
}
