/** The dashboard page, read once at start (a static file: all data comes from the admin API). */
import { readFileSync } from 'node:fs';

export const dashboardHtml: string = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
