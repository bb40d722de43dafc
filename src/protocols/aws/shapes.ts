/**
 * Input shapes as data, and the interpreter that checks a decoded request against them the way AWS's Coral
 * front end does, in AWS's order:
 *
 *   1. types: a value of the wrong JSON/CBOR type is a SerializationException (the first one found);
 *      blobs and timestamps are converted from their wire form (base64 / epoch seconds in JSON, bytes / tag 1 in
 *      CBOR) into Buffers and epoch milliseconds;
 *   2. constraints: every violated constraint (required, length, range, pattern, enum) is collected, up to 10,
 *      into one ValidationException worded as AWS words it;
 *   3. only then does the action look anything up (existence checks are the action's business).
 *
 * Members not in the shape are dropped, as AWS ignores unknown members.
 */
import { AwsError } from "./errors.js";

interface Common {
  readonly required?: boolean;
}

export type Shape =
  | (Common & {
      readonly type: "string";
      readonly min?: number;
      readonly max?: number;
      readonly pattern?: string;
      readonly enum?: readonly string[];
    })
  | (Common & { readonly type: "integer" | "long"; readonly min?: number; readonly max?: number })
  | (Common & { readonly type: "double"; readonly min?: number; readonly max?: number })
  | (Common & { readonly type: "boolean" })
  | (Common & { readonly type: "blob"; readonly min?: number; readonly max?: number })
  | (Common & { readonly type: "timestamp" })
  | (Common & { readonly type: "list"; readonly member: Shape; readonly min?: number; readonly max?: number })
  | (Common & {
      readonly type: "map";
      readonly key: Shape & { type: "string" };
      readonly value: Shape;
      readonly min?: number;
      readonly max?: number;
    })
  | StructureShape;

export interface StructureShape extends Common {
  readonly type: "structure";
  readonly members: Readonly<Record<string, Shape>>;
}

export type WireFormat = "json" | "cbor";

const maxReportedViolations = 10;

/** Checks and converts a decoded request body; throws SerializationException or ValidationException. */
export function parseInput(input: Record<string, unknown>, shape: StructureShape, format: WireFormat): Record<string, unknown> {
  const typed = convertStructure(input, shape, format);
  const violations: string[] = [];
  checkStructure(typed, shape, "", violations);
  if (violations.length > 0) {
    const count = violations.length;
    const shown = violations.slice(0, maxReportedViolations);
    throw new AwsError(
      "ValidationException",
      `${count} validation error${count > 1 ? "s" : ""} detected: ${shown.join("; ")}`,
    );
  }
  return typed;
}

function typeError(message: string): AwsError {
  return new AwsError("SerializationException", message);
}

/** Coral's complaint about a value that is a list or a structure where neither is expected. */
function containerMismatch(value: object): AwsError {
  return typeError(Array.isArray(value) ? "Start of list found where not expected" : "Start of structure or map found where not expected.");
}

function convertStructure(value: unknown, shape: StructureShape, format: WireFormat): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const input = value as Record<string, unknown>;
  for (const [name, member] of Object.entries(shape.members)) {
    const converted = convert(input[name], member, format);
    if (converted !== undefined) result[name] = converted;
  }
  return result;
}

function convert(value: unknown, shape: Shape, format: WireFormat): unknown {
  if (value === null || value === undefined) return undefined;
  switch (shape.type) {
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "object") throw containerMismatch(value);
      throw typeError(`${javaClass(value)} can not be converted to an String`);
    case "integer":
    case "long":
    case "double": {
      const name = { integer: "Integer", long: "Long", double: "Double" }[shape.type];
      if (typeof value === "number") return shape.type === "double" ? value : Math.trunc(value);
      if (typeof value === "bigint") return Number(value);
      if (typeof value === "object") throw containerMismatch(value);
      throw typeError(`${javaClass(value)} can not be converted to an ${name}`);
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (typeof value === "object") throw containerMismatch(value);
      if (typeof value === "string") throw typeError(`'${value.toUpperCase()}' can not be converted to an Boolean`);
      throw typeError(`${javaClass(value)} can not be converted to an Boolean`);
    case "blob":
      return convertBlob(value, format);
    case "timestamp":
      return convertTimestamp(value);
    case "list":
      if (!Array.isArray(value)) {
        if (typeof value === "object") throw typeError("Start of structure or map found where not expected.");
        throw typeError("Expected list or null");
      }
      return value.map((item) => convert(item, shape.member, format) ?? null);
    case "map": {
      if (typeof value !== "object") throw typeError("Expected map or null");
      if (Array.isArray(value)) throw typeError("Start of list found where not expected");
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        result[key] = convert(item, shape.value, format) ?? null;
      }
      return result;
    }
    case "structure":
      if (typeof value !== "object") throw typeError("Expected null");
      if (Array.isArray(value)) throw typeError("Start of list found where not expected");
      return convertStructure(value, shape, format);
  }
}

function convertBlob(value: unknown, format: WireFormat): Buffer {
  if (format === "cbor") {
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (typeof value === "string") return Buffer.from(value, "base64");
  } else if (typeof value === "string") {
    if (value.length % 4 !== 0) {
      throw typeError(
        `'${value}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${value.length}`,
      );
    }
    const invalid = /[^A-Za-z0-9+/=]|=[^=]/.exec(value);
    if (invalid !== null) throw typeError(`'${value}' can not be converted to a Blob: Invalid Base64 character: '${invalid[0][0]}'`);
    const bytes = Buffer.from(value, "base64");
    if (bytes.toString("base64") !== value) {
      throw typeError(`'${value}' can not be converted to a Blob: Invalid last non-pad Base64 character dectected`);
    }
    return bytes;
  }
  if (typeof value === "object" && value !== null) throw containerMismatch(value);
  throw typeError(`${javaClass(value)} can not be converted to a Blob`);
}

/**
 * Epoch milliseconds. JSON carries epoch seconds (a fraction allowed); CBOR carries tag 1, which the codec has
 * already made a Date. A bare number is epoch seconds in either.
 */
function convertTimestamp(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return Math.round(value * 1000);
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Math.round(Number(value) * 1000);
  }
  if (typeof value === "string") {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  if (typeof value === "object" && value !== null) throw containerMismatch(value);
  throw typeError(`${javaClass(value)} can not be converted to a Timestamp`);
}

function javaClass(value: unknown): string {
  switch (typeof value) {
    case "boolean":
      return "class java.lang.Boolean";
    case "number":
    case "bigint":
      return "class java.math.BigDecimal";
    case "string":
      return "class java.lang.String";
    default:
      return "class java.lang.Object";
  }
}

function checkStructure(value: Record<string, unknown>, shape: StructureShape, path: string, violations: string[]): void {
  for (const [name, member] of Object.entries(shape.members)) {
    check(value[name], member, `${path}${lowerFirst(name)}`, violations);
  }
}

function check(value: unknown, shape: Shape, path: string, violations: string[]): void {
  const violate = (constraint: string): void => {
    violations.push(`Value ${describeValue(value, shape)} at '${path}' failed to satisfy constraint: ${constraint}`);
  };
  if (value === undefined || value === null) {
    if (shape.required) violate("Member must not be null");
    return;
  }
  switch (shape.type) {
    case "string": {
      const text = value as string;
      if (shape.enum !== undefined && !shape.enum.includes(text)) {
        violate(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
      }
      // Coral reports a pattern violation before a length violation of the same member.
      if (shape.pattern !== undefined && !new RegExp(`^(?:${shape.pattern})$`).test(text)) {
        violate(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      checkLength(text.length, shape, violate);
      return;
    }
    case "integer":
    case "long":
    case "double": {
      const number = value as number;
      if (shape.min !== undefined && number < shape.min) violate(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && number > shape.max) violate(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    case "blob":
      checkLength((value as Buffer).length, shape, violate);
      return;
    case "list": {
      const items = value as unknown[];
      checkLength(items.length, shape, violate);
      items.forEach((item, i) => check(item, shape.member, `${path}.${i + 1}.member`, violations));
      return;
    }
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(entries.length, shape, violate);
      for (const [key, item] of entries) {
        check(key, shape.key, `${path}.${key}.key`, violations);
        check(item, shape.value, `${path}.${key}.value`, violations);
      }
      return;
    }
    case "structure":
      checkStructure(value as Record<string, unknown>, shape, `${path}.`, violations);
      return;
    default:
      return;
  }
}

function checkLength(length: number, shape: { min?: number; max?: number }, violate: (constraint: string) => void): void {
  if (shape.min !== undefined && length < shape.min) violate(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length > shape.max) violate(`Member must have length less than or equal to ${shape.max}`);
}

/** How Coral prints a value in a violation: quoted, blobs as Java buffers, null bare. */
function describeValue(value: unknown, shape: Shape): string {
  if (value === undefined || value === null) return "null";
  switch (shape.type) {
    case "blob": {
      const length = (value as Buffer).length;
      return `'java.nio.HeapByteBuffer[pos=0 lim=${length} cap=${length}]'`;
    }
    case "list":
      return `'[${(value as unknown[]).map((item) => (typeof item === "object" ? JSON.stringify(item) : String(item))).join(", ")}]'`;
    case "map":
      return `'{${Object.entries(value as Record<string, unknown>)
        .map(([key, item]) => `${key}=${String(item)}`)
        .join(", ")}}'`;
    case "structure":
      return `'${JSON.stringify(value)}'`;
    default:
      return `'${String(value)}'`;
  }
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
