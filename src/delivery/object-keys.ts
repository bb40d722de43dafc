/**
 * S3 object keys as Firehose writes them, in UTC:
 *
 *   <prefix><DeliveryStreamName>-<DeliveryStreamVersion>-<yyyy-MM-dd-HH-mm-ss>-<random><suffix>
 *
 * where the time is the arrival time of the object's first record, <random> is a UUID, and <suffix> is ".gz" for
 * GZIP (or the stream's FileExtension). <prefix> is `YYYY/MM/DD/HH/` when the stream has no Prefix; a Prefix
 * without expressions gets `YYYY/MM/DD/HH/` appended; a Prefix with expressions is evaluated as is:
 * `!{timestamp:<Java DateTimeFormatter pattern>}`, `!{firehose:random-string}` (11 characters of [a-z0-9]),
 * `!{firehose:error-output-type}` (error output prefixes only) and, with dynamic partitioning,
 * `!{partitionKeyFromQuery:<key>}` / `!{partitionKeyFromLambda:<key>}`.
 */
import { randomBytes } from "node:crypto";
import { invalidArgument } from "./errors.js";
import type { ErrorOutputType, PartitionKeys } from "./pipeline.js";

const expression = /!\{([^}]*)\}/g;

export interface PrefixRules {
  /** Dynamic partitioning is enabled: `!{partitionKeyFromQuery:…}` and `!{partitionKeyFromLambda:…}` may be used in Prefix. */
  readonly dynamicPartitioning: boolean;
}

const partitionKeyNamespaces = ["partitionKeyFromQuery:", "partitionKeyFromLambda:"] as const;

/** Checks a Prefix or ErrorOutputPrefix at CreateDeliveryStream, so that delivery can never fail on it. */
export function checkPrefix(field: "Prefix" | "ErrorOutputPrefix", prefix: string, rules: PrefixRules = { dynamicPartitioning: false }): void {
  if (prefix.split("/").includes("..")) {
    throw invalidArgument(`${field} must not contain a ".." path segment: Freshet writes objects as files under their bucket's directory.`);
  }
  for (const match of prefix.matchAll(expression)) {
    const body = match[1]!;
    if (body === "firehose:random-string") continue;
    if (body === "firehose:error-output-type") {
      if (field === "ErrorOutputPrefix") continue;
      throw invalidArgument("The expression !{firehose:error-output-type} can only be used in ErrorOutputPrefix.");
    }
    if (body.startsWith("timestamp:")) {
      formatJavaDate(body.slice("timestamp:".length), 0, field);
      continue;
    }
    const namespace = partitionKeyNamespaces.find((candidate) => body.startsWith(candidate));
    if (namespace !== undefined) {
      if (field === "Prefix" && rules.dynamicPartitioning && body.length > namespace.length) continue;
      throw invalidArgument(
        field === "Prefix"
          ? `The expression !{${body}} in Prefix needs dynamic partitioning enabled (DynamicPartitioningConfiguration) and a key name.`
          : `The expression !{${body}} cannot be used in ErrorOutputPrefix.`,
      );
    }
    throw invalidArgument(`${field} contains an expression Freshet does not support: !{${body}}.`);
  }
  const rest = prefix.replace(expression, "");
  if (rest.includes("!{")) throw invalidArgument(`${field} contains an unterminated expression.`);
  if (field === "Prefix" && rules.dynamicPartitioning && partitionKeysOf(prefix).length === 0) {
    throw invalidArgument("Prefix must contain at least one !{partitionKeyFromQuery:…} or !{partitionKeyFromLambda:…} expression when dynamic partitioning is enabled.");
  }
}

/** A partition key a prefix refers to: where it comes from, and its name. */
export interface PartitionKeyReference {
  readonly from: keyof PartitionKeys;
  readonly name: string;
}

/** The partition keys a Prefix refers to, in order of first use. */
export function partitionKeysOf(prefix: string): PartitionKeyReference[] {
  const references: PartitionKeyReference[] = [];
  for (const match of prefix.matchAll(expression)) {
    const reference = partitionKeyOf(match[1]!);
    if (reference !== null && !references.some((seen) => seen.from === reference.from && seen.name === reference.name)) references.push(reference);
  }
  return references;
}

export function partitionKeyValue(keys: PartitionKeys | null, reference: PartitionKeyReference): string | undefined {
  return keys?.[reference.from]?.[reference.name];
}

function partitionKeyOf(body: string): PartitionKeyReference | null {
  if (body.startsWith("partitionKeyFromQuery:")) return { from: "query", name: body.slice("partitionKeyFromQuery:".length) };
  if (body.startsWith("partitionKeyFromLambda:")) return { from: "lambda", name: body.slice("partitionKeyFromLambda:".length) };
  return null;
}

export function hasExpressions(prefix: string): boolean {
  return prefix.replace(expression, "") !== prefix;
}

/** What an object key names besides its prefix. */
export interface KeyNaming {
  readonly name: string;
  readonly versionId: number;
}

/**
 * The key of an object whose first record arrived at `firstArrival`, under `prefix` (the destination's Prefix),
 * with the partition's key values for `!{partitionKeyFrom…:…}` and the file suffix (".gz", ".parquet"…).
 */
export function objectKey(
  naming: KeyNaming,
  prefix: string | null,
  firstArrival: number,
  random: string,
  options: { readonly partitionKeys?: PartitionKeys | null; readonly suffix: string; readonly timeZone?: string | null },
): string {
  const given = prefix ?? "";
  const timeZone = options.timeZone ?? "UTC";
  const evaluated = hasExpressions(given)
    ? evaluatePrefix(given, firstArrival, { partitionKeys: options.partitionKeys ?? null, errorOutputType: null, timeZone })
    : given + formatJavaDate("yyyy/MM/dd/HH/", firstArrival, "Prefix", timeZone);
  return `${evaluated}${fileName(naming, firstArrival, random)}${options.suffix}`;
}

/**
 * The key of an error output object. An ErrorOutputPrefix with expressions is evaluated as given; without one,
 * the error output type and the hour are added after it (after Prefix when there is no ErrorOutputPrefix), so
 * failures of different kinds never share a folder.
 */
export function errorObjectKey(
  naming: KeyNaming,
  prefixes: { readonly prefix: string | null; readonly errorOutputPrefix: string | null; readonly customTimeZone: string | null },
  type: ErrorOutputType,
  firstArrival: number,
  random: string,
): string {
  const given = prefixes.errorOutputPrefix ?? (hasExpressions(prefixes.prefix ?? "") ? "" : (prefixes.prefix ?? ""));
  const timeZone = prefixes.customTimeZone ?? "UTC";
  const evaluated = hasExpressions(given)
    ? evaluatePrefix(given, firstArrival, { partitionKeys: null, errorOutputType: type, timeZone })
    : `${given}${type}/${formatJavaDate("yyyy/MM/dd/HH/", firstArrival, "ErrorOutputPrefix", timeZone)}`;
  return `${evaluated}${fileName(naming, firstArrival, random)}`;
}

function fileName(naming: KeyNaming, firstArrival: number, random: string): string {
  return `${naming.name}-${naming.versionId}-${formatJavaDate("yyyy-MM-dd-HH-mm-ss", firstArrival, "Prefix")}-${random}`;
}

interface ExpressionValues {
  readonly partitionKeys: PartitionKeys | null;
  readonly errorOutputType: ErrorOutputType | null;
  readonly timeZone: string;
}

/** Every `!{timestamp:…}` in a prefix is the same instant (AWS's rule): the object's first arrival. */
function evaluatePrefix(prefix: string, time: number, values: ExpressionValues): string {
  return prefix.replace(expression, (_, body: string) => {
    if (body === "firehose:random-string") return randomString();
    if (body === "firehose:error-output-type") return values.errorOutputType ?? "";
    const key = partitionKeyOf(body);
    if (key !== null) return partitionKeyValue(values.partitionKeys, key) ?? "";
    return formatJavaDate(body.slice("timestamp:".length), time, "Prefix", values.timeZone);
  });
}

function randomString(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(11)].map((byte) => alphabet[byte % alphabet.length]).join("");
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** Refuses a CustomTimeZone that is no IANA time zone (the names Java's ZoneId takes). */
export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    throw invalidArgument(`CustomTimeZone ${timeZone} is not a valid time zone.`);
  }
}

/** How far `timeZone`'s wall clock is ahead of UTC at `time`, in ms. */
function zoneOffsetMs(time: number, timeZone: string): number {
  if (timeZone === "UTC") return 0;
  let format = zoneFormats.get(timeZone);
  if (format === undefined) {
    const numeric = "numeric" as const;
    format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: numeric, month: numeric, day: numeric, hour: numeric, minute: numeric, second: numeric });
    zoneFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(time).map((part) => [part.type, Number(part.value)]));
  const wallClock = Date.UTC(parts["year"]!, parts["month"]! - 1, parts["day"]!, parts["hour"]!, parts["minute"]!, parts["second"]!);
  return wallClock - (time - (((time % 1000) + 1000) % 1000));
}

/**
 * The part of Java's DateTimeFormatter that prefixes use, in UTC or the stream's CustomTimeZone: yyyy, yy, MM, M, dd, d, HH, H, mm, m, ss, s,
 * SSS, 'quoted literals' ('' is a quote); other letters are refused, anything else is copied.
 */
export function formatJavaDate(pattern: string, time: number, field: string, timeZone = "UTC"): string {
  const date = new Date(time + zoneOffsetMs(time, timeZone));
  const pad = (value: number, width: number) => String(value).padStart(width, "0");
  const fields: Record<string, string> = {
    yyyy: pad(date.getUTCFullYear(), 4),
    yy: pad(date.getUTCFullYear() % 100, 2),
    MM: pad(date.getUTCMonth() + 1, 2),
    M: String(date.getUTCMonth() + 1),
    dd: pad(date.getUTCDate(), 2),
    d: String(date.getUTCDate()),
    HH: pad(date.getUTCHours(), 2),
    H: String(date.getUTCHours()),
    mm: pad(date.getUTCMinutes(), 2),
    m: String(date.getUTCMinutes()),
    ss: pad(date.getUTCSeconds(), 2),
    s: String(date.getUTCSeconds()),
    SSS: pad(date.getUTCMilliseconds(), 3),
  };
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i]!;
    if (char === "'") {
      if (pattern[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      // Quoted text runs to the next lone quote; '' inside it is one quote.
      i++;
      for (;;) {
        if (i >= pattern.length) throw invalidArgument(`${field} has an unterminated quote in a timestamp pattern.`);
        if (pattern[i] === "'" && pattern[i + 1] === "'") {
          out += "'";
          i += 2;
        } else if (pattern[i] === "'") {
          i++;
          break;
        } else {
          out += pattern[i]!;
          i++;
        }
      }
    } else if (/[a-zA-Z]/.test(char)) {
      let end = i;
      while (end < pattern.length && pattern[end] === char) end++;
      const run = pattern.slice(i, end);
      const value = fields[run];
      if (value === undefined) throw invalidArgument(`${field} has a timestamp pattern Freshet does not support yet: ${run}.`);
      out += value;
      i = end;
    } else {
      out += char;
      i++;
    }
  }
  return out;
}
