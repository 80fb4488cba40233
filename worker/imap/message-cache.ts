/**
 * Recently read messages of one open account, shared by its sessions: IMAP messages are
 * immutable for their (folder, UID), so a cached body stays right until the folder is deleted or
 * renamed (the caller clears the cache then) — and the cache lives only while the account is open
 * on this node, where all its changes go through. Bounded in entries and bytes; least recently
 * used first out. Spares a thread-pool round trip per FETCH of a message read moments ago.
 */
export class MessageCache {
  private readonly entries = new Map<string, Buffer>(); // insertion order = recency
  private bytes = 0;

  constructor(private readonly maxEntries = 256, private readonly maxBytes = 8 * 1024 * 1024, private readonly maxMessage = 256 * 1024) {}

  get(folder: string, uid: number): Buffer | undefined {
    const key = `${folder}\0${uid}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  put(folder: string, uid: number, data: Buffer): void {
    if (data.length > this.maxMessage) return;
    const key = `${folder}\0${uid}`;
    const old = this.entries.get(key);
    if (old) this.bytes -= old.length;
    this.entries.set(key, data);
    this.bytes += data.length;
    for (const [k, v] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
