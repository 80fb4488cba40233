/**
 * smtp-server holds every new connection for a fixed 100 ms before its greeting, to catch
 * "early talkers" (clients that speak before the banner, a spam-bot trait). The library offers no
 * option for it, and it costs 100 ms per connection: per message for connection-per-message
 * senders, and per hand-over on our internal LMTP. This patch makes the pause a per-server option
 * `greetPauseMs` (absent = the library's 100 ms), so port 25 can keep or drop it by config and
 * LMTP and submission can drop it. Deliberate departure from the library's behaviour, kept in this
 * one place; the early-talker check itself still runs for the configured pause.
 */
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

interface PatchedConnection {
  _server: { options: { greetPauseMs?: number; maxClients?: number }; connections: Set<unknown> };
  _setListeners(cb: () => void): void;
  connectionReady(): void;
  send(code: number, text: string, final: boolean): void;
  name: string;
}

const proto = SMTPConnection.prototype as unknown as PatchedConnection & { init(): void; __greetPausePatched?: boolean };
if (!proto.__greetPausePatched) {
  const original = proto.init;
  proto.init = function (this: PatchedConnection) {
    const pause = this._server.options.greetPauseMs;
    if (pause === undefined) return original.call(this);
    this._setListeners(() => {
      const { maxClients } = this._server.options;
      if (maxClients && this._server.connections.size > maxClients) {
        return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      }
      if (pause <= 0) return this.connectionReady();
      setTimeout(() => this.connectionReady(), pause).unref();
    });
  };
  proto.__greetPausePatched = true;
}

/** smtp-server options plus the patched greeting pause. */
export type GreetPause = { greetPauseMs?: number };
