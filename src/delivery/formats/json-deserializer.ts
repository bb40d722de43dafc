/**
 * A record's JSON read into table rows, as Firehose's deserializers read it: a record holds one JSON object or
 * several concatenated (`{"a":1}{"a":2}` is two rows); each object's keys are matched to the columns (and struct
 * fields) case-insensitively, keys the table does not name are ignored, and columns the object lacks are null.
 *
 * The OpenX SerDe is lenient (numbers and booleans may come as strings; a string column takes any JSON value as its
 * text; it can map columns to other keys and turn dots in keys into underscores); the Hive SerDe is strict (a string
 * where the schema has a number is an error, as AWS documents).
 *
 * Failures carry the error codes and messages Firehose writes to the error output.
 */
import type { HiveField, HiveType } from "./hive-types.js";

export class ConversionFailure extends Error {
  override readonly name = "ConversionFailure";

  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

const empty = () => new ConversionFailure("DataFormatConversion.MalformedData", "The record was empty or contained only whitespace.");
const malformed = () => new ConversionFailure("DataFormatConversion.ParseError", "Encountered malformed JSON.");
const primitive = () =>
  new ConversionFailure(
    "DataFormatConversion.MalformedData",
    "The input JSON contained a primitive at the top level. The top level must be an object or array.",
  );
/** AWS's message, followed by the Java exception message its SerDe gave, where Freshet knows it. */
const mismatch = (detail?: string) =>
  new ConversionFailure("DataFormatConversion.MalformedData", detail === undefined ? "Data does not match the schema." : `Data does not match the schema. ${detail}`);

export interface DeserializerRules {
  /** OpenX: strings for numbers and booleans, anything into a string column. */
  readonly lenient: boolean;
  /** How a JSON key is compared with a column or field name (both go through it). */
  readonly normalizeKey: (key: string) => string;
  /** OpenX ColumnToJsonKeyMappings: column name → the JSON key that holds it (top level only). */
  readonly columnKeys: Readonly<Record<string, string>>;
  /** Epoch microseconds, or null if the value is no timestamp this deserializer reads. */
  readonly timestamp: (value: unknown) => bigint | null;
  readonly date: (value: unknown) => number | null;
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** The JSON objects a record holds, in order; throws ConversionFailure. */
export function jsonDocuments(data: Buffer): Record<string, unknown>[] {
  let text: string;
  try {
    text = textDecoder.decode(data);
  } catch {
    throw malformed();
  }
  // The common case, at native speed: one JSON object and no number too long for a double. Anything else (several
  // documents, a long number, a primitive, malformed text) takes the careful path, which also says what is wrong.
  if (!longDigitRun.test(text)) {
    try {
      const document: unknown = JSON.parse(text);
      if (typeof document === "object" && document !== null && !Array.isArray(document)) return [document as Record<string, unknown>];
    } catch {
      // Decided below.
    }
  }
  const documents: Record<string, unknown>[] = [];
  let position = skipSpace(text, 0);
  if (position === text.length) throw empty();
  while (position < text.length) {
    const opening = text[position];
    if (opening !== "{" && opening !== "[") {
      try {
        JSON.parse(text.slice(position));
      } catch {
        throw malformed();
      }
      throw primitive();
    }
    const end = endOfContainer(text, position);
    let document: unknown;
    try {
      document = JSON.parse(protectLongNumbers(text.slice(position, end)), reviveLongNumbers);
    } catch {
      throw malformed();
    }
    if (Array.isArray(document)) throw mismatch();
    documents.push(document as Record<string, unknown>);
    position = skipSpace(text, end);
  }
  return documents;
}

function skipSpace(text: string, from: number): number {
  let position = from;
  while (position < text.length && " \t\r\n".includes(text[position] ?? "")) position++;
  return position;
}

/**
 * A JSON number with more significant digits than a double holds exactly, kept as its text so that bigint and
 * decimal columns get every digit (other columns take it as a double, as Java's readers would).
 */
class LongNumber {
  constructor(readonly text: string) {}

  toJSON(): number {
    return Number(this.text);
  }
}

const maxExactDigits = 15;
/** Where a number with more significant digits than a double holds may be (or just text: the careful path decides). */
const longDigitRun = /[\d.]{16}/;
/** Long numbers travel through JSON.parse as strings behind a NUL (escaped in the JSON text, as JSON requires). */
const longNumberMark = "\u0000";
const escapedLongNumberMark = "\\u0000";
const numberToken = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

function protectLongNumbers(json: string): string {
  let result = "";
  let copied = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const char = json[i] ?? "";
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === "-" || (char >= "0" && char <= "9")) {
      numberToken.lastIndex = i;
      const token = numberToken.exec(json)?.[0] ?? char;
      if (token.replace(/[eE].*$/, "").replace(/\D/g, "").replace(/^0+/, "").length > maxExactDigits) {
        result += `${json.slice(copied, i)}"${escapedLongNumberMark}${token}"`;
        copied = i + token.length;
      }
      i += token.length - 1;
    }
  }
  return copied === 0 ? json : result + json.slice(copied);
}

function reviveLongNumbers(_key: string, value: unknown): unknown {
  return typeof value === "string" && value.startsWith(longNumberMark) ? new LongNumber(value.slice(longNumberMark.length)) : value;
}

/** Where the object or array starting at `start` ends (exclusive): brackets counted outside strings. */
function endOfContainer(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === "{" || char === "[") {
      depth++;
    } else if (char === "}" || char === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw malformed();
}

/** A JSON object as a row of the table's columns, values in the form the Parquet writer takes. */
export function rowOf(document: Record<string, unknown>, columns: readonly HiveField[], rules: DeserializerRules): Record<string, unknown> {
  const byKey = normalizedEntries(document, rules);
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    const key = rules.normalizeKey(rules.columnKeys[column.name] ?? column.name);
    row[column.name] = convert(byKey.get(key), column.type, rules);
  }
  return row;
}

function normalizedEntries(object: Record<string, unknown>, rules: DeserializerRules): Map<string, unknown> {
  const entries = new Map<string, unknown>();
  for (const [key, value] of Object.entries(object)) entries.set(rules.normalizeKey(key), value);
  return entries;
}

const integerRanges = {
  tinyint: [-128, 127],
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
} as const;

/** The column kinds that read a long number's every digit. */
const exactKinds: ReadonlySet<HiveType["kind"]> = new Set(["string", "varchar", "char", "bigint", "decimal"]);

function convert(given: unknown, type: HiveType, rules: DeserializerRules): unknown {
  if (given === null || given === undefined) return null;
  const value = given instanceof LongNumber && !exactKinds.has(type.kind) ? Number(given.text) : given;
  switch (type.kind) {
    case "string":
      return stringOf(value, rules);
    case "varchar":
    case "char":
      return [...stringOf(value, rules)].slice(0, type.length).join("");
    case "binary":
      if (typeof value !== "string") throw mismatch();
      return Buffer.from(value, "utf8");
    case "tinyint":
    case "smallint":
    case "int": {
      const number = integerOf(value, rules);
      const [min, max] = integerRanges[type.kind];
      if (number < min || number > max) throw mismatch(`Value out of range. Value:"${String(value)}"`);
      return number;
    }
    case "bigint": {
      const number = value instanceof LongNumber && /^-?\d+$/.test(value.text) ? BigInt(value.text) : BigInt(integerOf(value, rules));
      if (number < -(2n ** 63n) || number >= 2n ** 63n) throw mismatch(`Value out of range. Value:"${String(number)}"`);
      return number;
    }
    case "float":
    case "double":
      return numberOf(value, rules);
    case "boolean":
      if (typeof value === "boolean") return value;
      if (rules.lenient && typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
      throw mismatch();
    case "decimal":
      return decimalOf(value, type.precision, type.scale, rules);
    case "timestamp":
      return rules.timestamp(value) ?? throwMismatch(`Cannot parse timestamp: ${String(value)}`);
    case "date":
      return rules.date(value) ?? throwMismatch(`Cannot parse date: ${String(value)}`);
    case "array":
      if (!Array.isArray(value)) throw mismatch(`Data is not JSONArray but ${javaTypeOf(value)} with value ${String(value)}`);
      return value.map((item) => convert(item, type.element, rules));
    case "map": {
      if (!isObject(value)) throw mismatch(`Data is not JSONObject but ${javaTypeOf(value)} with value ${String(value)}`);
      return Object.entries(value).map(([key, item]) => ({
        key: convert(key, type.key, { ...rules, lenient: true }),
        value: convert(item, type.value, rules),
      }));
    }
    case "struct": {
      if (!isObject(value)) throw mismatch(`Data is not JSONObject but ${javaTypeOf(value)} with value ${String(value)}`);
      const byKey = normalizedEntries(value, rules);
      const struct: Record<string, unknown> = {};
      for (const field of type.fields) struct[field.name] = convert(byKey.get(rules.normalizeKey(field.name)), field.type, rules);
      return struct;
    }
  }
}

function throwMismatch(detail: string): never {
  throw mismatch(detail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function javaTypeOf(value: unknown): string {
  if (typeof value === "string") return "java.lang.String";
  if (typeof value === "boolean") return "java.lang.Boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "java.lang.Long" : "java.lang.Double";
  return Array.isArray(value) ? "org.json.JSONArray" : "org.json.JSONObject";
}

function stringOf(value: unknown, rules: DeserializerRules): string {
  if (typeof value === "string") return value;
  if (value instanceof LongNumber) return value.text;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (rules.lenient) return JSON.stringify(value);
  throw mismatch();
}

function integerOf(value: unknown, rules: DeserializerRules): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (rules.lenient && typeof value === "string" && /^[-+]?\d+$/.test(value.trim())) return Number(value.trim());
  throw mismatch(`For input string: "${typeof value === "string" ? value : JSON.stringify(value)}"`);
}

function numberOf(value: unknown, rules: DeserializerRules): number {
  if (typeof value === "number") return value;
  if (rules.lenient && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  throw mismatch(`For input string: "${typeof value === "string" ? value : JSON.stringify(value)}"`);
}

/**
 * A decimal column's unscaled value. Digits beyond the scale are rounded half up and a value too wide for the
 * precision is null, as Hive's decimal enforcement does.
 */
function decimalOf(value: unknown, precision: number, scale: number, rules: DeserializerRules): bigint | null {
  const text =
    typeof value === "number" ? String(value) : value instanceof LongNumber ? value.text : rules.lenient && typeof value === "string" ? value.trim() : null;
  const match = text === null ? null : /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (match === null || (match[2] === "" && (match[3] ?? "") === "")) {
    throw mismatch(`For input string: "${typeof value === "string" ? value : JSON.stringify(value)}"`);
  }
  const digits = `${match[2]}${match[3] ?? ""}`;
  const shift = scale - (match[3] ?? "").length + Number(match[4] ?? 0);
  let unscaled: bigint;
  if (shift >= 0) {
    unscaled = BigInt(digits + "0".repeat(shift));
  } else {
    const kept = digits.length + shift;
    const head = kept > 0 ? BigInt(digits.slice(0, kept)) : 0n;
    const next = kept >= 0 ? Number(digits[kept] ?? "0") : 0;
    unscaled = head + (next >= 5 ? 1n : 0n);
  }
  if (unscaled >= 10n ** BigInt(precision)) return null;
  return match[1] === "-" ? -unscaled : unscaled;
}
