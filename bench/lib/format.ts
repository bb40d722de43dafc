/** Number formatting and Markdown tables for benchmark reports. Sizes: MB = 10^6 bytes, MiB = 2^20 bytes. */

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export function integer(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function fixed(value: number, digits = 1): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds with precision that suits the magnitude: 0.412, 3.91, 27.4, 1,204. */
export function millis(value: number): string {
  if (value < 1) return fixed(value, 3);
  if (value < 10) return fixed(value, 2);
  if (value < 100) return fixed(value, 1);
  return integer(value);
}

export function percent(ratio: number): string {
  return `${fixed(ratio * 100, 0)}%`;
}

/** A change as a percentage with its sign: "+4%", "−2%". */
export function signedPercent(ratio: number): string {
  return `${ratio < 0 ? "−" : "+"}${percent(Math.abs(ratio))}`;
}

export function megabytesPerSecond(bytes: number, ms: number): number {
  return ms <= 0 ? 0 : bytes / 1e6 / (ms / 1000);
}

export function perSecond(count: number, ms: number): number {
  return ms <= 0 ? 0 : count / (ms / 1000);
}

export function gibibytes(bytes: number): string {
  return `${fixed(bytes / GiB, 1)} GiB`;
}

export function mebibytes(bytes: number): string {
  return `${fixed(bytes / MiB, bytes < 10 * MiB ? 1 : 0)} MiB`;
}

export type Align = "left" | "right";

export interface Column {
  readonly title: string;
  readonly align?: Align;
}

/** A GitHub-flavoured Markdown table; `|` inside cells is escaped. */
export function markdownTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string): string => cell.replaceAll("|", "\\|");
  const header = `| ${columns.map((column) => escape(column.title)).join(" | ")} |`;
  const rule = `|${columns.map((column) => (column.align === "right" ? "---:" : ":---")).join("|")}|`;
  const body = rows.map((row) => `| ${row.map(escape).join(" | ")} |`);
  return [header, rule, ...body].join("\n");
}
