/**
 * The evaluation's figures as standalone SVG (no script, no external font or stylesheet), written next to
 * EVALUATION.md and shown by the docs site: score histograms per model and a DET curve (FMR against FNMR).
 */

const W = 640;
const H = 320;
const M = { left: 56, right: 16, top: 28, bottom: 44 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const COLOURS = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#ff7f0e'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (Math.round(v * 100) / 100).toString();

function frame(title: string, body: string, xLabel: string, yLabel: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11" role="img">
<title>${esc(title)}</title>
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>
<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#888"/>
${body}
<text x="${M.left + PW / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(14 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
</svg>
`;
}

export interface HistogramSeries {
  label: string;
  values: number[];
}

/**
 * Share of each series' pairs per bin (each series sums to 1, so 40 genuine pairs and 5,000 impostor pairs
 * are drawn on one scale), with vertical lines at the given thresholds.
 */
export function histogramSvg(
  title: string,
  series: HistogramSeries[],
  range: [number, number],
  marks: { label: string; x: number }[],
  bins = 40,
): string {
  const [lo, hi] = range;
  const width = (hi - lo) / bins;
  const shares = series.map((s) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of s.values) {
      const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
      counts[b] = (counts[b] as number) + 1;
    }
    return counts.map((c) => c / Math.max(1, s.values.length));
  });
  const top = Math.max(0.05, ...shares.flat());
  const sx = (x: number) => M.left + ((x - lo) / (hi - lo)) * PW;
  const sy = (y: number) => M.top + PH - (y / top) * PH;
  let body = '';
  shares.forEach((counts, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    let d = `M${num(sx(lo))},${num(sy(0))}`;
    counts.forEach((c, b) => {
      d += ` L${num(sx(lo + b * width))},${num(sy(c))} L${num(sx(lo + (b + 1) * width))},${num(sy(c))}`;
    });
    d += ` L${num(sx(hi))},${num(sy(0))} Z`;
    body += `<path d="${d}" fill="${colour}" fill-opacity="0.25" stroke="${colour}"/>\n`;
    const s = series[i] as HistogramSeries;
    body += `<rect x="${M.left + 8}" y="${M.top + 8 + i * 16}" width="10" height="10" fill="${colour}"/><text x="${M.left + 24}" y="${M.top + 17 + i * 16}">${esc(`${s.label} (n=${s.values.length})`)}</text>\n`;
  });
  marks.forEach((m, i) => {
    if (m.x < lo || m.x > hi) return;
    body += `<line x1="${num(sx(m.x))}" x2="${num(sx(m.x))}" y1="${M.top}" y2="${M.top + PH}" stroke="#333" stroke-dasharray="4 3"/><text x="${num(sx(m.x) - 3)}" y="${M.top + 12 + i * 12}" font-size="10" text-anchor="end">${esc(m.label)}</text>\n`;
  });
  for (let k = 0; k <= 5; k++) {
    const x = lo + ((hi - lo) * k) / 5;
    body += `<text x="${num(sx(x))}" y="${M.top + PH + 14}" text-anchor="middle">${x.toFixed(2)}</text>\n`;
  }
  for (let k = 0; k <= 4; k++) {
    const y = (top * k) / 4;
    body += `<text x="${M.left - 4}" y="${num(sy(y) + 4)}" text-anchor="end">${Math.round(y * 100)}%</text>\n`;
  }
  return frame(title, body, 'cosine similarity', 'share of the pairs of each kind');
}

export interface DetSeries {
  label: string;
  genuine: number[];
  impostor: number[];
}

/**
 * DET curve: false-match rate against false-non-match rate, both on log axes down to one pair, one point per
 * distinct score. A rate of zero is drawn on the axis, at "0".
 */
export function detSvg(title: string, series: DetSeries[]): string {
  const nImp = Math.max(...series.map((s) => s.impostor.length));
  const nGen = Math.max(...series.map((s) => s.genuine.length));
  const lx = Math.log10(1 / nImp) - 0.3;
  const ly = Math.log10(1 / nGen) - 0.3;
  const sx = (fmr: number) => M.left + ((Math.log10(Math.max(fmr, 10 ** lx)) - lx) / -lx) * PW;
  const sy = (fnmr: number) => M.top + PH - ((Math.log10(Math.max(fnmr, 10 ** ly)) - ly) / -ly) * PH;
  let body = '';
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    const thresholds = [...new Set([...s.genuine, ...s.impostor])].sort((a, b) => a - b);
    const gen = [...s.genuine].sort((a, b) => a - b);
    const imp = [...s.impostor].sort((a, b) => a - b);
    let gi = 0;
    let ii = 0;
    const points: string[] = [];
    for (const t of thresholds) {
      while (gi < gen.length && (gen[gi] as number) < t) gi++;
      while (ii < imp.length && (imp[ii] as number) < t) ii++;
      const fnmr = gi / gen.length;
      const fmr = (imp.length - ii) / imp.length;
      const point = `${num(sx(fmr))},${num(sy(fnmr))}`;
      if (point !== points.at(-1)) points.push(point);
    }
    body += `<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5"/>\n`;
    body += `<rect x="${M.left + PW - 190}" y="${M.top + 8 + i * 16}" width="10" height="10" fill="${colour}"/><text x="${M.left + PW - 174}" y="${M.top + 17 + i * 16}">${esc(s.label)}</text>\n`;
  });
  const pctLabel = (e: number) => `${10 ** (e + 2) >= 1 ? 10 ** (e + 2) : (10 ** (e + 2)).toPrecision(1)}%`;
  for (let e = Math.ceil(lx); e <= 0; e++)
    body += `<text x="${num(sx(10 ** e))}" y="${M.top + PH + 14}" text-anchor="middle">${pctLabel(e)}</text>\n`;
  for (let e = Math.ceil(ly); e <= 0; e++)
    body += `<text x="${M.left - 4}" y="${num(sy(10 ** e) + 4)}" text-anchor="end">${pctLabel(e)}</text>\n`;
  body += `<text x="${M.left + 2}" y="${M.top + PH + 14}">0</text><text x="${M.left - 4}" y="${M.top + PH - 2}" text-anchor="end">0</text>\n`;
  const n = series[0];
  body += `<text x="${M.left + PW - 190}" y="${M.top + 17 + series.length * 16}" fill="#555">${esc(`${n?.genuine.length ?? 0} genuine, ${n?.impostor.length ?? 0} impostor pairs`)}</text>\n`;
  return frame(
    title,
    body,
    'false-match rate (impostor pairs accepted, log scale)',
    'false-non-match rate (log scale)',
  );
}
