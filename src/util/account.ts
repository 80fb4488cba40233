/**
 * Account names: validated and normalised before they become etcd keys or paths (design §6).
 * `Alice@Example.COM` → `alice@example.com`. Anything with `/`, `..`, NUL or other characters
 * outside the allowed sets is refused with AccountNameError.
 */
export class AccountNameError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`invalid account name: ${reason}`);
    this.name = 'AccountNameError';
  }
}

export interface AccountName {
  /** Normalised `local@domain`. */
  readonly address: string;
  readonly local: string;
  readonly domain: string;
}

const LOCAL = /^[a-z0-9!#$%&'*+=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function normaliseDomain(input: string): string {
  const domain = input.trim().toLowerCase().replace(/\.$/, '');
  if (domain.length === 0 || domain.length > 253) throw new AccountNameError(input, 'domain length');
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) throw new AccountNameError(input, 'bad domain');
  return domain;
}

export function parseAccount(input: string): AccountName {
  if (typeof input !== 'string' || input.length > 320) throw new AccountNameError(String(input), 'too long');
  const at = input.lastIndexOf('@');
  if (at <= 0) throw new AccountNameError(input, 'expected local@domain');
  const local = input.slice(0, at).toLowerCase();
  if (local.length > 64 || !LOCAL.test(local)) throw new AccountNameError(input, 'bad local part');
  const domain = normaliseDomain(input.slice(at + 1));
  return Object.freeze({ address: `${local}@${domain}`, local, domain });
}

/** The normalised address for a login name, or undefined when it is not an account name. */
export function accountOf(user: string): string | undefined {
  try {
    return parseAccount(user).address;
  } catch {
    return undefined;
  }
}
