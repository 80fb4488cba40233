/**
 * SASL PLAIN (RFC 4616): message = [authzid] NUL authcid NUL passwd, UTF-8.
 * Returns undefined for a malformed message, or one with an authorisation identity other than
 * the authentication identity (acting for another user is not supported).
 */
export function decodePlain(message: Buffer): { user: string; password: string } | undefined {
  const parts = message.toString('utf8').split('\0');
  if (parts.length !== 3) return undefined;
  const [authz, user, password] = parts as [string, string, string];
  if (!user || (authz !== '' && authz !== user)) return undefined;
  return { user, password };
}

/** The PLAIN message for `user` with `password` (no authorisation identity), base64-encoded. */
export function encodePlain(user: string, password: string): string {
  return Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
}

/** Strict base64 of a SASL response line; undefined when it is not valid base64. */
export function decodeBase64(line: string): Buffer | undefined {
  if (line.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(line)) return undefined;
  return Buffer.from(line, 'base64');
}
