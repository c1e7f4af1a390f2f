// Inline SVG line charts for the self-contained HTML report: no scripts, fonts or CDNs.

export interface Series {
  name: string;
  color: string;
  /** One value per x step (second); non-finite values leave a gap. */
  values: readonly number[];
  dashed?: boolean;
}

export interface Threshold {
  value: number;
  label: string;
  color: string;
}

export interface ChartSpec {
  title: string;
  /** Unit of the y axis, shown in the axis label. */
  unit: string;
  series: readonly Series[];
  /** Logarithmic y axis, for latencies spanning sub-millisecond to seconds. */
  log?: boolean;
  thresholds?: readonly Threshold[];
  xLabel?: string;
  width?: number;
  height?: number;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" step (1, 2 or 5 times a power of ten) so that `span` has about `target` steps. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  // Round to the nearest of 1, 2, 5, 10 on a log scale (the thresholds are their geometric means).
  return (m >= Math.sqrt(50) ? 10 : m >= Math.sqrt(10) ? 5 : m >= Math.SQRT2 ? 2 : 1) * pow;
}

function fmtTick(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  if (Math.abs(v) >= 1) return `${+v.toFixed(1)}`;
  return `${+v.toPrecision(2)}`;
}

export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 960;
  const H = spec.height ?? 280;
  const left = 64;
  const right = 150;
  const top = 30;
  const bottom = 40;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const n = Math.max(1, ...spec.series.map((s) => s.values.length));

  let lo = Infinity;
  let hi = -Infinity;
  for (const s of spec.series) {
    for (const v of s.values) {
      if (!Number.isFinite(v) || (spec.log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  for (const t of spec.thresholds ?? []) {
    if (t.value > hi) hi = t.value;
    if (t.value < lo) lo = t.value;
  }
  if (!Number.isFinite(lo)) {
    lo = spec.log ? 0.1 : 0;
    hi = spec.log ? 10 : 1;
  }

  const yTicks: number[] = [];
  let yOf: (v: number) => number;
  if (spec.log) {
    const lo10 = Math.floor(Math.log10(Math.max(lo, 1e-3)));
    const hi10 = Math.max(lo10 + 1, Math.ceil(Math.log10(hi)));
    for (let e = lo10; e <= hi10; e++) yTicks.push(10 ** e);
    yOf = (v) => top + ph - ((Math.log10(Math.max(v, 10 ** lo10)) - lo10) / (hi10 - lo10)) * ph;
  } else {
    const step = niceStep(hi, 5);
    const max = Math.max(step, Math.ceil(hi / step) * step);
    for (let v = 0; v <= max + step / 2; v += step) yTicks.push(v);
    yOf = (v) => top + ph - (v / max) * ph;
  }
  const xOf = (i: number): number => left + (n <= 1 ? 0 : (i / (n - 1)) * pw);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(spec.title)}">`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${left}" y="18" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`);
  for (const v of yTicks) {
    const y = yOf(v).toFixed(1);
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${left - 6}" y="${y}" font-size="11" text-anchor="end" dominant-baseline="middle">${fmtTick(v)}</text>`);
  }
  const xStep = Math.max(1, niceStep(n - 1, 10));
  for (let i = 0; i < n; i += xStep) {
    const x = xOf(i).toFixed(1);
    parts.push(`<line x1="${x}" y1="${top + ph}" x2="${x}" y2="${top + ph + 4}" stroke="#999"/>`);
    parts.push(`<text x="${x}" y="${top + ph + 16}" font-size="11" text-anchor="middle">${fmtTick(i)}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${left + pw / 2}" y="${H - 6}" font-size="11" text-anchor="middle">${escapeXml(spec.xLabel ?? 'seconds since the load started')}</text>`);
  parts.push(`<text x="14" y="${top + ph / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${top + ph / 2})">${escapeXml(spec.unit)}${spec.log ? ' (log)' : ''}</text>`);

  for (const t of spec.thresholds ?? []) {
    const y = yOf(t.value).toFixed(1);
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="${t.color}" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${left + pw - 4}" y="${Number(y) - 4}" font-size="11" text-anchor="end" fill="${t.color}">${escapeXml(t.label)}</text>`);
  }

  spec.series.forEach((s, k) => {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v) || (spec.log && v <= 0)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${xOf(i).toFixed(1)} ${yOf(v).toFixed(1)}`;
      pen = true;
    });
    if (d !== '') {
      const dash = s.dashed ? ' stroke-dasharray="4 3"' : '';
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${dash}/>`);
    }
    const ly = top + 10 + k * 18;
    parts.push(`<line x1="${left + pw + 12}" y1="${ly}" x2="${left + pw + 32}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`);
    parts.push(`<text x="${left + pw + 38}" y="${ly}" font-size="12" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
