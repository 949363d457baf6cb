/**
 * Small statistics for the benchmark tables: nearest-rank percentiles, the
 * median with min and max beside it, and their markdown formatting.
 *
 * @module
 */

/** Median, min and max of a set of runs. */
export interface Spread {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The nearest-rank percentile `p` (0..100) of `values`; NaN when empty.
 *
 * @example
 * ```ts
 * import { percentile } from "./_stats.ts";
 * console.log(percentile([1, 2, 3, 4], 50)); // 2
 * ```
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * The median (mean of the middle two for an even count), min and max; NaNs
 * are left out.
 *
 * @example
 * ```ts
 * import { spread } from "./_stats.ts";
 * console.log(spread([3, 1, 2])); // { n: 3, median: 2, min: 1, max: 3 }
 * ```
 */
export function spread(values: readonly number[]): Spread {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n: 0, median: NaN, min: NaN, max: NaN };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n, median, min: sorted[0]!, max: sorted[n - 1]! };
}

/**
 * A number for a table cell: `digits` decimals, "n/a" for NaN or infinity.
 *
 * @example
 * ```ts
 * import { num } from "./_stats.ts";
 * console.log(num(1.234, 1)); // "1.2"
 * ```
 */
export function num(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/**
 * A difference for a table cell, always signed: "+1.5", "-0.3".
 *
 * @example
 * ```ts
 * import { signed } from "./_stats.ts";
 * console.log(signed(-0.25)); // "-0.3"
 * ```
 */
export function signed(value: number, digits = 1): string {
  return Number.isFinite(value) && value >= 0 ? `+${num(value, digits)}` : num(value, digits);
}

/**
 * A spread as one cell: `median (min-max)`, or the single value for n = 1.
 *
 * @example
 * ```ts
 * import { cell, spread } from "./_stats.ts";
 * console.log(cell(spread([1, 2, 4]), 0)); // "2 (1-4)"
 * ```
 */
export function cell(value: Spread, digits = 1): string {
  if (value.n === 0) return "n/a";
  if (value.n === 1 || value.min === value.max) return num(value.median, digits);
  return `${num(value.median, digits)} (${num(value.min, digits)}-${num(value.max, digits)})`;
}

/**
 * A markdown table from a header and rows of cells.
 *
 * @example
 * ```ts
 * import { table } from "./_stats.ts";
 * console.log(table(["a", "b"], [["1", "2"]]));
 * ```
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)].join("\n");
}
