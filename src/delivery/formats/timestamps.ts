/**
 * Timestamp and date values in JSON, read as the two deserializers Firehose offers read them. Hive timestamps have
 * no time zone; Firehose reads them as UTC, and so does Freshet. Values come out in microseconds since the epoch
 * (the Parquet column's unit), fractions finer than that truncated.
 *
 *   OpenX JSON SerDe: `yyyy-MM-dd'T'HH:mm:ss[.S…]'Z'`, `yyyy-[M]M-[d]d HH:mm:ss[.S…]` (up to 9 fraction digits),
 *     epoch seconds, epoch milliseconds and fractional epoch seconds;
 *   Hive JSON SerDe: each of TimestampFormats in order (JodaTime patterns, or `millis` for epoch milliseconds),
 *     then `java.sql.Timestamp.valueOf`'s `yyyy-[M]M-[d]d HH:mm:ss[.f…]`, which is also the default.
 */

/** An integral epoch value at or above this is milliseconds, below it seconds (10 digits of seconds reach 2286). */
const epochMillisThreshold = 100_000_000_000;

const isoUtc = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;
const sqlTimestamp = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const sqlDate = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

const microsPerSecond = 1_000_000n;

/** The OpenX SerDe's reading of a timestamp value; null when it is in none of the accepted forms. */
export function openXTimestamp(value: unknown): bigint | null {
  if (typeof value === "number") return epochNumber(value);
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return epochNumber(Number(text));
  return fieldsToMicros(isoUtc.exec(text)) ?? fieldsToMicros(sqlTimestamp.exec(text));
}

function epochNumber(value: number): bigint | null {
  if (!Number.isFinite(value)) return null;
  if (Number.isInteger(value)) return Math.abs(value) >= epochMillisThreshold ? BigInt(value) * 1000n : BigInt(value) * microsPerSecond;
  return BigInt(Math.trunc(value * 1_000_000));
}

/** The Hive SerDe's reading of a timestamp value with the stream's TimestampFormats; null when none fits. */
export function hiveTimestamp(value: unknown, formats: readonly TimestampFormat[]): bigint | null {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : null;
  if (text === null) return null;
  for (const format of formats) {
    const micros = format(text);
    if (micros !== null) return micros;
  }
  return fieldsToMicros(sqlTimestamp.exec(text));
}

/** A date column's value (`yyyy-[M]M-[d]d`) as days since the epoch; null when it is not one. */
export function hiveDate(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const match = sqlDate.exec(value.trim());
  if (match === null) return null;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const millis = Date.UTC(year, month - 1, day);
  const back = new Date(millis);
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return null;
  return millis / 86_400_000;
}

/** Fields 1–7 (y, M, d, H, m, s, fraction digits) of a matched date-time, checked for range, as epoch microseconds. */
function fieldsToMicros(match: readonly (string | undefined)[] | null, offsetMinutes = 0): bigint | null {
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const millis = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(millis).getUTCDate() !== day) return null;
  const fraction = (match[7] ?? "").padEnd(6, "0").slice(0, 6);
  return (BigInt(millis) - BigInt(offsetMinutes) * 60_000n) * 1000n + BigInt(fraction);
}

/** One of a Hive SerDe's TimestampFormats, compiled: text → epoch microseconds, or null if it does not match. */
export type TimestampFormat = (text: string) => bigint | null;

export class TimestampFormatError extends Error {
  override readonly name = "TimestampFormatError";
}

/** The Joda pattern letters Freshet reads: year, month, day, hour of day, minute, second, fraction, zone offset. */
const jodaFields: Readonly<Record<string, { readonly group: number; readonly digits: (count: number) => string }>> = {
  y: { group: 1, digits: (n) => (n === 2 ? "\\d{2}" : "\\d{4}") },
  M: { group: 2, digits: (n) => (n === 1 ? "\\d{1,2}" : `\\d{${n}}`) },
  d: { group: 3, digits: (n) => (n === 1 ? "\\d{1,2}" : `\\d{${n}}`) },
  H: { group: 4, digits: (n) => (n === 1 ? "\\d{1,2}" : `\\d{${n}}`) },
  m: { group: 5, digits: (n) => (n === 1 ? "\\d{1,2}" : `\\d{${n}}`) },
  s: { group: 6, digits: (n) => (n === 1 ? "\\d{1,2}" : `\\d{${n}}`) },
  S: { group: 7, digits: (n) => `\\d{${n}}` },
};

/** Compiles a TimestampFormats entry; throws TimestampFormatError for pattern letters Freshet does not read. */
export function compileTimestampFormat(pattern: string): TimestampFormat {
  if (pattern === "millis") {
    return (text) => (/^-?\d+$/.test(text) ? BigInt(text) * 1000n : null);
  }
  const groups: string[] = ["", "", "", "", "", "", "", ""];
  let regex = "";
  let zone = false;
  for (let i = 0; i < pattern.length; ) {
    const char = pattern[i] ?? "";
    if (char === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close < 0) throw new TimestampFormatError(`Unterminated quote in timestamp format '${pattern}'.`);
      regex += close === i + 1 ? "'" : escapeRegex(pattern.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    let count = 1;
    while (pattern[i + count] === char) count++;
    const field = jodaFields[char];
    if (field !== undefined) {
      if (groups[field.group] !== "") throw new TimestampFormatError(`Timestamp format '${pattern}' repeats the field '${char}'.`);
      groups[field.group] = char;
      regex += `(?<f${field.group}>${field.digits(count)})`;
    } else if (char === "Z") {
      zone = true;
      regex += "(?<zone>Z|[+-]\\d{2}:?\\d{2})";
    } else if (/[A-Za-z]/.test(char)) {
      throw new TimestampFormatError(
        `Timestamp format '${pattern}' uses the pattern letter '${char}', which Freshet does not support (supported: y M d H m s S Z, quoted text, and 'millis').`,
      );
    } else {
      regex += escapeRegex(char.repeat(count));
    }
    i += count;
  }
  const compiled = new RegExp(`^${regex}$`);
  return (text) => {
    const match = compiled.exec(text);
    if (match?.groups === undefined) return null;
    const field = (group: number, fallback: string): string => match.groups?.[`f${group}`] ?? fallback;
    const year = field(1, "1970");
    const fields = ["", year.length === 2 ? `20${year}` : year, field(2, "1"), field(3, "1"), field(4, "0"), field(5, "0"), field(6, "0"), field(7, "")];
    return fieldsToMicros(fields, zone ? offsetMinutesOf(match.groups["zone"] ?? "Z") : 0);
  };
}

function offsetMinutesOf(zone: string): number {
  if (zone === "Z") return 0;
  const digits = zone.replace(":", "");
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return zone.startsWith("-") ? -minutes : minutes;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
