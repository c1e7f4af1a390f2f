// Number formatting shared by the terminal and HTML reports (the table itself is kit/table.ts).

/** Milliseconds with sub-millisecond precision where it matters: 0.84, 12.3, 1234. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 1000) return ms.toFixed(1);
  return ms.toFixed(0);
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}

export function fmtPct(p: number): string {
  return Number.isFinite(p) ? `${p.toFixed(2)}%` : '-';
}

export function fmtUsd(x: number): string {
  return `USD ${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
