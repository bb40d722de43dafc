/**
 * S3 object keys as Firehose writes them, in UTC:
 *
 *   <prefix><DeliveryStreamName>-<DeliveryStreamVersion>-<yyyy-MM-dd-HH-mm-ss>-<random><suffix>
 *
 * where the time is the arrival time of the object's first record, <random> is a UUID, and <suffix> is ".gz" for
 * GZIP (or the stream's FileExtension). <prefix> is `YYYY/MM/DD/HH/` when the stream has no Prefix; a Prefix
 * without expressions gets `YYYY/MM/DD/HH/` appended; a Prefix with expressions is evaluated as is:
 * `!{timestamp:<Java DateTimeFormatter pattern>}` and `!{firehose:random-string}` (11 characters of [a-z0-9]).
 */
import { randomBytes } from "node:crypto";
import { invalidArgument } from "./errors.js";
import type { DeliveryStreamRecord } from "./model.js";

const expression = /!\{([^}]*)\}/g;

/** Checks a Prefix or ErrorOutputPrefix at CreateDeliveryStream, so that delivery can never fail on it. */
export function checkPrefix(field: string, prefix: string): void {
  if (prefix.split("/").includes("..")) {
    throw invalidArgument(`${field} must not contain a ".." path segment: Freshet writes objects as files under their bucket's directory.`);
  }
  for (const match of prefix.matchAll(expression)) {
    const body = match[1]!;
    if (body === "firehose:random-string" || body === "firehose:error-output-type") continue;
    if (body.startsWith("timestamp:")) {
      formatJavaDate(body.slice("timestamp:".length), 0, field);
      continue;
    }
    throw invalidArgument(`${field} contains an expression Freshet does not support yet: !{${body}}.`);
  }
  const rest = prefix.replace(expression, "");
  if (rest.includes("!{")) throw invalidArgument(`${field} contains an unterminated expression.`);
}

export function hasExpressions(prefix: string): boolean {
  return prefix.replace(expression, "") !== prefix;
}

/** The key of an object whose first record arrived at `firstArrival`. */
export function objectKey(stream: DeliveryStreamRecord, firstArrival: number, random: string): string {
  const destination = stream.destination;
  const prefix = destination.prefix ?? "";
  const evaluated = hasExpressions(prefix) ? evaluatePrefix(prefix, firstArrival) : prefix + formatJavaDate("yyyy/MM/dd/HH/", firstArrival, "Prefix");
  const suffix = destination.fileExtension ? destination.fileExtension : destination.compressionFormat === "GZIP" ? ".gz" : "";
  const time = formatJavaDate("yyyy-MM-dd-HH-mm-ss", firstArrival, "Prefix");
  return `${evaluated}${stream.name}-${stream.versionId}-${time}-${random}${suffix}`;
}

function evaluatePrefix(prefix: string, time: number): string {
  return prefix.replace(expression, (_, body: string) => {
    if (body === "firehose:random-string") return randomString();
    if (body === "firehose:error-output-type") return "processing-failed";
    return formatJavaDate(body.slice("timestamp:".length), time, "Prefix");
  });
}

function randomString(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(11)].map((byte) => alphabet[byte % alphabet.length]).join("");
}

/**
 * The part of Java's DateTimeFormatter that prefixes use, in UTC: yyyy, yy, MM, M, dd, d, HH, H, mm, m, ss, s,
 * SSS, 'quoted literals' ('' is a quote); other letters are refused, anything else is copied.
 */
export function formatJavaDate(pattern: string, time: number, field: string): string {
  const date = new Date(time);
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
