// The tooling's one fixed-width text table: the loadtest's report, bench's steps, bench:floor's layers and the limits' usage.

export type Align = 'left' | 'right';

export interface TableOptions {
  /**
   * One alignment for every column, or one per column. Unsaid: the first column left (it names
   * the row), the others right (they hold figures).
   */
  align?: Align | readonly (Align | undefined)[];
  /** A line of dashes under the header. */
  rule?: boolean;
}

/** Rows as a table, columns two spaces apart, each as wide as its widest cell; no trailing spaces. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const alignOf = (column: number): Align => {
    const { align } = options;
    if (typeof align === 'string') return align;
    return align?.[column] ?? (column === 0 ? 'left' : 'right');
  };
  const line = (cells: readonly string[]): string =>
    widths
      .map((width, i) => {
        const cell = cells[i] ?? '';
        return alignOf(i) === 'left' ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  const lines = [line(header)];
  if (options.rule) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  return [...lines, ...rows.map(line)].join('\n');
}
