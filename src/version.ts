import { readFileSync } from 'node:fs';

/** The package version, published in each node's registration. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
