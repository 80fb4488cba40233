/**
 * A tiny horizontal bar chart in SVG for BENCHMARKS.md: one bar per value, a reference line at 1
 * (a ratio of 1: both sides equal). Labels are escaped; the output is a complete SVG document.
 */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function barChart(title: string, bars: Array<{ label: string; value: number }>): string {
  const rowH = 22, labelW = 420, plotW = 360, top = 36, pad = 10;
  const max = Math.max(1, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0))) * 1.1;
  const x = (v: number) => labelW + (v / max) * plotW;
  const height = top + bars.length * rowH + 24;
  const width = labelW + plotW + 60;
  const rows = bars.map((b, i) => {
    const y = top + i * rowH;
    const v = Number.isFinite(b.value) ? b.value : 0;
    return `<text x="${labelW - pad}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${(x(v) - labelW).toFixed(1)}" height="${rowH - 6}" fill="${v >= 1 ? '#2a7' : '#d54'}"/>` +
      `<text x="${(x(v) + 4).toFixed(1)}" y="${y + 15}">${v.toFixed(2)}×</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${pad}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...rows,
    `<line x1="${x(1).toFixed(1)}" y1="${top}" x2="${x(1).toFixed(1)}" y2="${height - 20}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${x(1).toFixed(1)}" y="${height - 6}" text-anchor="middle">1×</text>`,
    '</svg>',
    '',
  ].join('\n');
}
