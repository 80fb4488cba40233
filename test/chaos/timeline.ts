/**
 * An SVG timeline of one chaos run: acknowledged operations per second (green), failed or
 * unanswered ones by invocation second (red, below the axis), and each nemesis fault as a band
 * from its start to its end, labelled. Pure: takes the result, returns the SVG text.
 */
import type { ChaosResult } from './chaos.ts';

const W = 1000, H = 320, LEFT = 50, TOP = 40, PLOT = 180;

function esc(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

export function svgTimeline(r: ChaosResult): string {
  const ops = r.history.ops;
  const t0 = Math.min(...ops.map((o) => o.start), ...r.history.nemesis.map((e) => e.at));
  const t1 = Math.max(...ops.map((o) => o.end), ...r.history.nemesis.map((e) => e.until), t0 + 1000);
  const secs = Math.ceil((t1 - t0) / 1000);
  const ok = new Array<number>(secs + 1).fill(0);
  const bad = new Array<number>(secs + 1).fill(0);
  for (const o of ops) {
    if (o.result === 'ok') ok[Math.floor((o.end - t0) / 1000)]!++;
    else bad[Math.floor((o.start - t0) / 1000)]!++;
  }
  const max = Math.max(1, ...ok, ...bad);
  const x = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * (W - LEFT - 10);
  const bw = Math.max(1, (W - LEFT - 10) / (secs + 1) - 1);
  const axis = TOP + PLOT * 0.7;
  const scale = (PLOT * 0.7) / max;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="10">`);
  parts.push(`<text x="${LEFT}" y="16" font-size="13">chaos ${esc(r.mode)} run, seed ${r.seed}: ${ops.length} operations, ${r.history.nemesis.length} faults, ${r.violations.length} violations</text>`);
  r.history.nemesis.forEach((e, i) => {
    const x0 = x(e.at), x1 = Math.max(x0 + 2, x(e.until));
    parts.push(`<rect x="${x0.toFixed(1)}" y="${TOP}" width="${(x1 - x0).toFixed(1)}" height="${PLOT}" fill="#f5a623" opacity="0.35"/>`);
    parts.push(`<text x="${x0.toFixed(1)}" y="${TOP + PLOT + 14 + (i % 4) * 12}" fill="#a05a00">${esc(`${e.action} ${e.target}`)}</text>`);
  });
  for (let s = 0; s <= secs; s++) {
    const bx = x(t0 + s * 1000).toFixed(1);
    if (ok[s]) parts.push(`<rect x="${bx}" y="${(axis - ok[s]! * scale).toFixed(1)}" width="${bw.toFixed(1)}" height="${(ok[s]! * scale).toFixed(1)}" fill="#2e9d4f"/>`);
    if (bad[s]) parts.push(`<rect x="${bx}" y="${axis}" width="${bw.toFixed(1)}" height="${(bad[s]! * scale).toFixed(1)}" fill="#d0021b"/>`);
  }
  parts.push(`<line x1="${LEFT}" y1="${axis}" x2="${W - 10}" y2="${axis}" stroke="#333"/>`);
  parts.push(`<text x="4" y="${TOP + 10}">${max}/s</text><text x="4" y="${axis + 4}">0</text>`);
  for (let s = 0; s <= secs; s += 10) parts.push(`<text x="${x(t0 + s * 1000).toFixed(1)}" y="${H - 8}">${s} s</text>`);
  parts.push(`<text x="${W - 330}" y="${TOP - 6}"><tspan fill="#2e9d4f">■ acknowledged/s</tspan> <tspan fill="#d0021b">■ failed or no answer/s</tspan> <tspan fill="#f5a623">■ fault</tspan></text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
