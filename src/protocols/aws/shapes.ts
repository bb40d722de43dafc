/**
 * Input shapes as data, and the interpreter that checks a decoded request against them the way AWS's Coral
 * front end does, in AWS's order:
 *
 *   1. types: a value of the wrong JSON/CBOR type is a SerializationException (the first one found);
 *      blobs and timestamps are converted from their wire form (base64 / epoch seconds in JSON, bytes / tag 1 in
 *      CBOR) into Buffers and epoch milliseconds;
 *   2. constraints: every violated constraint (required, enum, pattern, length, range) is collected, walking the
 *      members in the order the shape declares them (which is AWS's reporting order, not the API model's), up to
 *      10, into one ValidationException worded as AWS words it;
 *   3. only then does the action look anything up (existence checks are the action's business).
 *
 * Members not in the shape are dropped, as AWS ignores unknown members.
 */
import { decodeStrictBase64 } from "./base64.js";
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
const minInteger = -2147483648;
const maxInteger = 2147483647;

/** Checks and converts a decoded request body; throws SerializationException or ValidationException. */
export function parseInput(input: Record<string, unknown>, shape: StructureShape, format: WireFormat): Record<string, unknown> {
  const typed = membersConverterOf(shape, format)(input);
  // Almost every request is valid: a walk that allocates nothing says so, and only a request that fails it is
  // walked again to word its violations.
  if (validatorOf(shape)(typed)) return typed;
  const violations: string[] = [];
  checkStructure(typed, shape, "", violations);
  if (violations.length > 0) {
    // Coral stops at the tenth violation, and counts only those it reports.
    const shown = violations.slice(0, maxReportedViolations);
    throw new AwsError(
      "ValidationException",
      `${shown.length} validation error${shown.length > 1 ? "s" : ""} detected: ${shown.join("; ")}`,
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

const memberLists = new WeakMap<StructureShape, ReadonlyArray<readonly [string, Shape]>>();

/** A structure's members in declaration order, listed once per shape rather than once per value. */
function membersOf(shape: StructureShape): ReadonlyArray<readonly [string, Shape]> {
  let members = memberLists.get(shape);
  if (members === undefined) memberLists.set(shape, (members = Object.entries(shape.members)));
  return members;
}

/** Converts one value from its wire form (undefined for null or absent); throws SerializationException. */
type Converter = (value: unknown) => unknown;
type MembersConverter = (input: Record<string, unknown>) => Record<string, unknown>;

/**
 * Converters are built once per shape and wire format, like the validators below: a PutRecords of 500 records
 * converts 1,500 members, and a walk that looked up each member's shape and switched on its type cost more than the
 * conversions themselves.
 */
const converters: Record<WireFormat, WeakMap<Shape, Converter>> = { json: new WeakMap(), cbor: new WeakMap() };
const membersConverters: Record<WireFormat, WeakMap<StructureShape, MembersConverter>> = { json: new WeakMap(), cbor: new WeakMap() };

function converterOf(shape: Shape, format: WireFormat): Converter {
  let converter = converters[format].get(shape);
  if (converter === undefined) {
    const convertPresent = presentConverter(shape, format);
    converter = (value) => (value === null || value === undefined ? undefined : convertPresent(value));
    converters[format].set(shape, converter);
  }
  return converter;
}

/** A structure's members converted, the ones not in the shape dropped; the structure itself is not type-checked. */
function membersConverterOf(shape: StructureShape, format: WireFormat): MembersConverter {
  let converter = membersConverters[format].get(shape);
  if (converter === undefined) {
    const members = membersOf(shape).map(([name, member]) => [name, converterOf(member, format)] as const);
    converter = (input) => {
      const result: Record<string, unknown> = {};
      for (const [name, convert] of members) {
        const converted = convert(input[name]);
        if (converted !== undefined) result[name] = converted;
      }
      return result;
    };
    membersConverters[format].set(shape, converter);
  }
  return converter;
}

/** The converter of a value that is neither null nor absent. */
function presentConverter(shape: Shape, format: WireFormat): Converter {
  switch (shape.type) {
    case "string":
      return (value) => {
        if (typeof value === "string") return value;
        if (typeof value === "object") throw containerMismatch(value!);
        throw typeError(`${javaClass(value)} can not be converted to an String`);
      };
    case "integer":
    case "long":
    case "double": {
      const type = shape.type;
      const name = { integer: "Integer", long: "Long", double: "Double" }[type];
      return (value) => {
        const number = typeof value === "bigint" ? Number(value) : value;
        if (typeof number === "number") {
          if (type === "double") return number;
          // Integers saturate: AWS reports a ShardCount of 100000000000 as '2147483647'.
          return type === "integer" ? Math.min(Math.max(Math.trunc(number), minInteger), maxInteger) : Math.trunc(number);
        }
        if (typeof value === "object") throw containerMismatch(value!);
        throw typeError(`${javaClass(value)} can not be converted to an ${name}`);
      };
    }
    case "boolean":
      return (value) => {
        if (typeof value === "boolean") return value;
        if (typeof value === "object") throw containerMismatch(value!);
        if (typeof value === "string") throw typeError(`'${value.toUpperCase()}' can not be converted to an Boolean`);
        throw typeError(`${javaClass(value)} can not be converted to an Boolean`);
      };
    case "blob":
      return (value) => convertBlob(value, format);
    case "timestamp":
      return convertTimestamp;
    case "list": {
      const convertItem = converterOf(shape.member, format);
      return (value) => {
        if (!Array.isArray(value)) {
          if (typeof value === "object") throw typeError("Start of structure or map found where not expected.");
          throw typeError("Expected list or null");
        }
        const items = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) items[i] = convertItem(value[i]) ?? null;
        return items;
      };
    }
    case "map": {
      const convertItem = converterOf(shape.value, format);
      return (value) => {
        if (typeof value !== "object") throw typeError("Expected map or null");
        if (Array.isArray(value)) throw typeError("Start of list found where not expected");
        const result: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) result[key] = convertItem(item) ?? null;
        return result;
      };
    }
    case "structure": {
      const convertMembers = membersConverterOf(shape, format);
      return (value) => {
        if (typeof value !== "object") throw typeError("Expected null");
        if (Array.isArray(value)) throw typeError("Start of list found where not expected");
        return convertMembers(value as Record<string, unknown>);
      };
    }
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
    const bytes = decodeStrictBase64(value);
    // Only a failure looks for which message AWS would give.
    if (bytes !== null) return bytes;
    const invalid = /[^A-Za-z0-9+/=]|=[^=]/.exec(value);
    if (invalid !== null) throw typeError(`'${value}' can not be converted to a Blob: Invalid Base64 character: '${invalid[0][0]}'`);
    throw typeError(`'${value}' can not be converted to a Blob: Invalid last non-pad Base64 character dectected`);
  }
  if (typeof value === "object" && value !== null) throw containerMismatch(value);
  throw typeError(`${javaClass(value)} can not be converted to a Blob`);
}

/**
 * Epoch milliseconds. JSON carries epoch seconds (a fraction allowed); CBOR carries tag 1, which the codec has
 * already made a Date. A bare number is epoch seconds in either; AWS refuses a string, even a numeric one.
 */
function convertTimestamp(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return Math.round(value * 1000);
  if (typeof value === "bigint") return Number(value) * 1000;
  if (typeof value === "object" && value !== null) throw containerMismatch(value);
  throw typeError(`${javaClass(value)} can not be converted to milliseconds since epoch`);
}

function javaClass(value: unknown): string {
  switch (typeof value) {
    case "boolean":
      return "class java.lang.Boolean";
    case "number":
    case "bigint":
      return "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";
    case "string":
      return "class java.lang.String";
    default:
      return "class java.lang.Object";
  }
}

function checkStructure(value: Record<string, unknown>, shape: StructureShape, path: string, violations: string[]): void {
  for (const [name, member] of membersOf(shape)) {
    check(value[name], member, `${path}${lowerFirst(name)}`, violations);
  }
}

type ConstraintKind = "enum" | "pattern" | "min" | "max";

/** The order Coral reports the violated constraints of one member in. */
const memberOrder: readonly ConstraintKind[] = ["enum", "pattern", "min", "max"];

/**
 * The order Coral lists the constraints of a list's members or a map's keys and values in, inside
 * "Member must satisfy constraint: [...]" (all of them, violated or not).
 */
const elementOrder: readonly ConstraintKind[] = ["max", "min", "pattern", "enum"];

interface Constraint {
  readonly message: string;
  readonly satisfiedBy: (value: unknown) => boolean;
}

const constraintCache = new WeakMap<Shape, Map<readonly ConstraintKind[], Constraint[]>>();

/** The constraints a shape puts on a (non-null) value of its own, in the given order; built once per shape. */
function constraintsOf(shape: Shape, order: readonly ConstraintKind[]): Constraint[] {
  let byOrder = constraintCache.get(shape);
  if (byOrder === undefined) constraintCache.set(shape, (byOrder = new Map()));
  let constraints = byOrder.get(order);
  if (constraints === undefined) byOrder.set(order, (constraints = buildConstraints(shape, order)));
  return constraints;
}

function buildConstraints(shape: Shape, order: readonly ConstraintKind[]): Constraint[] {
  const found: Partial<Record<ConstraintKind, Constraint>> = {};
  if (shape.type === "string" && shape.enum !== undefined) {
    const values = shape.enum;
    found.enum = {
      message: `Member must satisfy enum value set: [${values.join(", ")}]`,
      satisfiedBy: (value) => values.includes(value as string),
    };
  }
  if (shape.type === "string" && shape.pattern !== undefined) {
    const regex = new RegExp(`^(?:${shape.pattern})$`);
    found.pattern = {
      message: `Member must satisfy regular expression pattern: ${shape.pattern}`,
      satisfiedBy: (value) => regex.test(value as string),
    };
  }
  if ("min" in shape || "max" in shape) {
    const numeric = shape.type === "integer" || shape.type === "long" || shape.type === "double";
    const measure = numeric ? "value" : "length";
    const size = numeric ? (value: unknown) => value as number : sizeOf;
    const { min, max } = shape as { min?: number; max?: number };
    if (min !== undefined) {
      found.min = { message: `Member must have ${measure} greater than or equal to ${min}`, satisfiedBy: (value) => size(value) >= min };
    }
    if (max !== undefined) {
      found.max = { message: `Member must have ${measure} less than or equal to ${max}`, satisfiedBy: (value) => size(value) <= max };
    }
  }
  return order.flatMap((kind) => found[kind] ?? []);
}

function sizeOf(value: unknown): number {
  if (typeof value === "string" || Array.isArray(value) || Buffer.isBuffer(value)) return value.length;
  return Object.keys(value as object).length;
}

function check(value: unknown, shape: Shape, path: string, violations: string[]): void {
  const violate = (constraint: string): void => {
    violations.push(`Value ${describeValue(value, shape)} at '${path}' failed to satisfy constraint: ${constraint}`);
  };
  if (value === undefined || value === null) {
    if (shape.required) violate("Member must not be null");
    return;
  }
  for (const constraint of constraintsOf(shape, memberOrder)) {
    if (!constraint.satisfiedBy(value)) violate(constraint.message);
  }
  switch (shape.type) {
    case "list": {
      const items = value as unknown[];
      if (isScalar(shape.member)) {
        checkElements(items, shape.member, "Member must satisfy constraint", violate);
      } else {
        items.forEach((item, i) => check(item, shape.member, `${path}.${i + 1}.member`, violations));
      }
      return;
    }
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>);
      checkElements(
        entries.map(([key]) => key),
        shape.key,
        "Map keys must satisfy constraint",
        violate,
      );
      if (isScalar(shape.value)) {
        checkElements(
          entries.map(([, item]) => item),
          shape.value,
          "Map value must satisfy constraint",
          violate,
        );
      } else {
        for (const [key, item] of entries) check(item, shape.value, `${path}.${key}.value`, violations);
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

/** Whether a converted value satisfies every constraint `check` would check; false where it would report one. */
type Validator = (value: unknown) => boolean;

const validators = new WeakMap<Shape, Validator>();

function validatorOf(shape: Shape): Validator {
  let validator = validators.get(shape);
  if (validator === undefined) validators.set(shape, (validator = buildValidator(shape)));
  return validator;
}

function buildValidator(shape: Shape): Validator {
  const required = shape.required === true;
  const satisfiesOwn = constraintsValidator(shape);
  const contentsValid = contentsValidator(shape);
  return (value) => {
    if (value === undefined || value === null) return !required;
    return satisfiesOwn(value) && (contentsValid === null || contentsValid(value));
  };
}

function constraintsValidator(shape: Shape): Validator {
  const tests = constraintsOf(shape, memberOrder).map((constraint) => constraint.satisfiedBy);
  return (value) => {
    for (const satisfiedBy of tests) if (!satisfiedBy(value)) return false;
    return true;
  };
}

/** As checkElements: a null element breaks nothing. */
function elementValidator(shape: Shape): Validator {
  const satisfiesOwn = constraintsValidator(shape);
  return (value) => value === null || value === undefined || satisfiesOwn(value);
}

function contentsValidator(shape: Shape): Validator | null {
  switch (shape.type) {
    case "list": {
      const itemValid = isScalar(shape.member) ? elementValidator(shape.member) : validatorOf(shape.member);
      return (value) => {
        for (const item of value as unknown[]) if (!itemValid(item)) return false;
        return true;
      };
    }
    case "map": {
      const keyValid = elementValidator(shape.key);
      const itemValid = isScalar(shape.value) ? elementValidator(shape.value) : validatorOf(shape.value);
      return (value) => Object.entries(value as Record<string, unknown>).every(([key, item]) => keyValid(key) && itemValid(item));
    }
    case "structure": {
      const members = membersOf(shape).map(([name, member]) => [name, validatorOf(member)] as const);
      return (value) => {
        for (const [name, valid] of members) if (!valid((value as Record<string, unknown>)[name])) return false;
        return true;
      };
    }
    default:
      return null;
  }
}

function isScalar(shape: Shape): boolean {
  return shape.type !== "list" && shape.type !== "map" && shape.type !== "structure";
}

/**
 * Coral checks the members of a list of scalars (and a map's keys and values) as one: if any breaks a constraint,
 * the collection violates "[all the element constraints]", reported once, at the collection's own path.
 */
function checkElements(elements: unknown[], shape: Shape, label: string, violate: (constraint: string) => void): void {
  const constraints = constraintsOf(shape, elementOrder);
  const broken = elements.some(
    (element) => element !== null && element !== undefined && constraints.some((constraint) => !constraint.satisfiedBy(element)),
  );
  if (broken) violate(`${label}: [${constraints.map((constraint) => constraint.message).join(", ")}]`);
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
