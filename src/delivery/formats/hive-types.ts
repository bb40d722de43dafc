/**
 * Hive column types, as a Glue table declares them (`int`, `decimal(10,2)`, `array<struct<a:int,b:string>>`, …),
 * parsed into a tree that the JSON deserializers and the Parquet schema are built from.
 */

export type HiveScalarKind =
  | "string"
  | "tinyint"
  | "smallint"
  | "int"
  | "bigint"
  | "float"
  | "double"
  | "boolean"
  | "timestamp"
  | "date"
  | "binary";

export type HiveType =
  | { readonly kind: HiveScalarKind }
  | { readonly kind: "varchar" | "char"; readonly length: number }
  | { readonly kind: "decimal"; readonly precision: number; readonly scale: number }
  | { readonly kind: "array"; readonly element: HiveType }
  | { readonly kind: "map"; readonly key: HiveType; readonly value: HiveType }
  | { readonly kind: "struct"; readonly fields: readonly HiveField[] };

export interface HiveField {
  readonly name: string;
  readonly type: HiveType;
}

const scalarKinds: Readonly<Record<string, HiveScalarKind>> = {
  string: "string",
  tinyint: "tinyint",
  smallint: "smallint",
  int: "int",
  integer: "int",
  bigint: "bigint",
  float: "float",
  double: "double",
  "double precision": "double",
  boolean: "boolean",
  timestamp: "timestamp",
  date: "date",
  binary: "binary",
};

/** Hive's precision limit for decimal, and its default when `decimal` comes without arguments. */
const maxDecimalPrecision = 38;
const defaultDecimal = { precision: 10, scale: 0 } as const;

export class HiveTypeError extends Error {
  override readonly name = "HiveTypeError";
}

/** Parses a Hive type string; throws HiveTypeError, naming what is wrong, for anything else. */
export function parseHiveType(text: string): HiveType {
  const parser = new TypeParser(text);
  const type = parser.type();
  parser.end();
  return type;
}

class TypeParser {
  private position = 0;

  constructor(private readonly text: string) {}

  type(): HiveType {
    const name = this.word().toLowerCase();
    if (name === "double" && /^\s+precision\b/i.test(this.rest())) {
      this.word();
      return { kind: "double" };
    }
    const scalar = scalarKinds[name];
    if (scalar !== undefined) return { kind: scalar };
    switch (name) {
      case "varchar":
      case "char": {
        this.expect("(");
        const length = this.integer();
        this.expect(")");
        return { kind: name, length };
      }
      case "decimal":
      case "numeric": {
        if (!this.peek("(")) return { kind: "decimal", ...defaultDecimal };
        this.expect("(");
        const precision = this.integer();
        const scale = this.peek(",") ? (this.expect(","), this.integer()) : 0;
        this.expect(")");
        if (precision < 1 || precision > maxDecimalPrecision || scale > precision) {
          throw this.error(`decimal(${precision},${scale}) is out of range (precision 1–${maxDecimalPrecision}, scale ≤ precision)`);
        }
        return { kind: "decimal", precision, scale };
      }
      case "array": {
        this.expect("<");
        const element = this.type();
        this.expect(">");
        return { kind: "array", element };
      }
      case "map": {
        this.expect("<");
        const key = this.type();
        if (key.kind === "array" || key.kind === "map" || key.kind === "struct") throw this.error("a map's key must be a primitive type");
        this.expect(",");
        const value = this.type();
        this.expect(">");
        return { kind: "map", key, value };
      }
      case "struct": {
        this.expect("<");
        const fields: HiveField[] = [];
        do {
          const fieldName = this.word();
          this.expect(":");
          fields.push({ name: fieldName, type: this.type() });
        } while (this.peek(",") && (this.expect(","), true));
        this.expect(">");
        return { kind: "struct", fields };
      }
      case "uniontype":
        throw this.error("uniontype is not supported");
      default:
        throw this.error(`unknown type '${name}'`);
    }
  }

  end(): void {
    this.skipSpace();
    if (this.position < this.text.length) throw this.error(`unexpected '${this.text.slice(this.position)}'`);
  }

  private rest(): string {
    return this.text.slice(this.position);
  }

  private skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position] ?? "")) this.position++;
  }

  private word(): string {
    this.skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.rest()) ?? /^`([^`]+)`/.exec(this.rest());
    if (match === null) throw this.error("a type or field name expected");
    this.position += match[0].length;
    return match[1] ?? match[0];
  }

  private integer(): number {
    this.skipSpace();
    const match = /^\d+/.exec(this.rest());
    if (match === null) throw this.error("a number expected");
    this.position += match[0].length;
    return Number(match[0]);
  }

  private peek(token: string): boolean {
    this.skipSpace();
    return this.text.startsWith(token, this.position);
  }

  private expect(token: string): void {
    if (!this.peek(token)) throw this.error(`'${token}' expected`);
    this.position += token.length;
  }

  private error(problem: string): HiveTypeError {
    return new HiveTypeError(`${problem} at position ${this.position} of '${this.text}'`);
  }
}
