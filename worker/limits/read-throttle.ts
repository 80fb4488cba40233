/**
 * Bounded pipelining for line protocols (IMAP, POP3): a connection stops reading its socket while
 * it has too many commands waiting or too many reply bytes the client has not read, and reads
 * again once it has caught up. Without it, a client that sends commands without reading the
 * replies makes the server queue every command and buffer every reply (30 MB of pipelined NOOPs
 * grew a node by ~900 MB). With it, what one connection costs is bounded by the two limits plus
 * one socket chunk: the kernel's buffers, and then the client, hold the rest.
 *
 * Contract: call `afterQueue` whenever commands were queued, `beforeCommand` before handling each
 * one (it waits while the client is not reading), `idle` when the queue is empty, and `release`
 * before handing the socket to something else (STARTTLS, a proxy splice): it leaves the socket
 * flowing. Nothing here closes a connection; timeouts do that.
 */
import type { Duplex } from 'node:stream';

export interface PipelineLimits {
  /** Commands waiting to be handled before the socket is paused. */
  maxQueuedCommands: number;
  /** Reply bytes written but not yet taken by the kernel before the socket is paused. */
  maxUnsentBytes: number;
}

export const PIPELINE_LIMITS: PipelineLimits = { maxQueuedCommands: 64, maxUnsentBytes: 256 * 1024 };

export class ReadThrottle {
  private paused: Duplex | undefined;

  constructor(private readonly limits: PipelineLimits = PIPELINE_LIMITS) {}

  /** After commands were queued: stop reading while over a limit. */
  afterQueue(socket: Duplex, queued: number): void {
    if (this.paused) return;
    if (queued >= this.limits.maxQueuedCommands || socket.writableLength > this.limits.maxUnsentBytes) {
      socket.pause();
      this.paused = socket;
    }
  }

  /**
   * Before the next command: while the client has not read what it was sent, wait for the socket
   * to drain (or close). Resolves false when the socket closed meanwhile.
   */
  beforeCommand(socket: Duplex, queued: number): boolean | Promise<boolean> {
    if (socket.writableLength <= this.limits.maxUnsentBytes) {
      this.maybeResume(socket, queued); // the common case: no promise per command
      return !socket.destroyed;
    }
    return this.waitForClient(socket, queued);
  }

  private async waitForClient(socket: Duplex, queued: number): Promise<boolean> {
    while (socket.writableLength > this.limits.maxUnsentBytes) {
      if (socket.destroyed || socket.writableEnded) return false;
      await drainedOrClosed(socket);
    }
    this.maybeResume(socket, queued);
    return !socket.destroyed;
  }

  /** The queue is empty: read again if reading was paused. */
  idle(socket: Duplex): void {
    this.maybeResume(socket, 0);
  }

  /** Leaves the socket flowing for its next owner. */
  release(): void {
    this.paused?.resume();
    this.paused = undefined;
  }

  get isPaused(): boolean { return this.paused !== undefined; }

  private maybeResume(socket: Duplex, queued: number): void {
    if (!this.paused) return;
    if (queued > this.limits.maxQueuedCommands / 2 || socket.writableLength > this.limits.maxUnsentBytes) return;
    this.release();
  }
}

function drainedOrClosed(socket: Duplex): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
