/**
 * JSON.parse for a request body read straight from its bytes: the same values (and `undefined` where JSON.parse
 * throws), without first turning the whole body into one string.
 *
 * Why: a PutRecords body is up to 5 MiB, and any V8 string over 128 KiB goes to its large-object space, which maps
 * fresh pages for every such string and unmaps them at the next scavenge. On a virtual machine each of those page
 * faults is a trip to the hypervisor; profiled, making the body string cost ~28% of the server's CPU per PutRecords,
 * more than parsing it. Here only each value becomes a string, small enough for the young generation.
 *
 * Each string's end is found with indexOf (backslashes too), and its text is then checked and unescaped by JSON.parse
 * of that string alone: the rules (control characters, escapes, surrogates) stay V8's. Decoded as UTF-8 unless the
 * body is all ASCII, this gives what decoding the whole body would, bad sequences included: every string starts and
 * ends at an ASCII quote, so no sequence straddles a slice's edge.
 */
import { isAscii } from "node:buffer";

const enum Byte {
  Tab = 0x09,
  Newline = 0x0a,
  Return = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  UpperE = 0x45,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerE = 0x65,
  LowerF = 0x66,
  LowerN = 0x6e,
  LowerT = 0x74,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
  Tilde = 0x7e,
}

/**
 * Up to this length a string is checked byte by byte in JavaScript; a longer one (record data) is handed to
 * JSON.parse on its own, which checks and unescapes it faster than a JavaScript loop can look at its bytes.
 */
const shortString = 64;

/** Distinct member names kept per document. */
const keptKeys = 16;

/** Thrown inside the reader only; one instance, as nobody sees its stack. */
const notJson = new SyntaxError("not JSON");

/** The document in `bytes`, or `undefined` when they are not exactly one JSON text. */
export function parseJsonBytes(bytes: Buffer): unknown {
  const reader = new JsonBytesReader(bytes);
  try {
    const value = reader.value();
    reader.skipWhitespace();
    return reader.at === bytes.length ? value : undefined;
  } catch (error) {
    // A document nested deeper than the stack allows is still JSON; V8's own parser does not recurse.
    if (error instanceof RangeError) return parseWhole(bytes);
    if (error === notJson) return undefined;
    throw error;
  }
}

function parseWhole(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

class JsonBytesReader {
  at = 0;
  /** Where the next backslash is, once looked for; Infinity when there is none. */
  private nextBackslash = -1;
  /** Member names seen so far that were plain text: each byte its character. */
  private readonly keys: string[] = [];
  private readonly ascii: boolean;

  constructor(private readonly bytes: Buffer) {
    this.ascii = isAscii(bytes);
  }

  skipWhitespace(): void {
    const bytes = this.bytes;
    let at = this.at;
    for (;;) {
      const byte = bytes[at];
      if (byte !== Byte.Space && byte !== Byte.Newline && byte !== Byte.Return && byte !== Byte.Tab) break;
      at++;
    }
    this.at = at;
  }

  value(): unknown {
    this.skipWhitespace();
    const byte = this.bytes[this.at];
    switch (byte) {
      case Byte.OpenBrace:
        return this.object();
      case Byte.OpenBracket:
        return this.array();
      case Byte.Quote:
        return this.string();
      case Byte.LowerT:
        return this.literal("true", true);
      case Byte.LowerF:
        return this.literal("false", false);
      case Byte.LowerN:
        return this.literal("null", null);
      default:
        if (byte === Byte.Minus || (byte !== undefined && byte >= Byte.Zero && byte <= Byte.Nine)) return this.number();
        throw notJson;
    }
  }

  /** Past an opening bracket or brace: whether the container closes at once (and then past its close too). */
  private emptyContainer(close: Byte.CloseBrace | Byte.CloseBracket): boolean {
    this.at++;
    this.skipWhitespace();
    if (this.bytes[this.at] !== close) return false;
    this.at++;
    return true;
  }

  private object(): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    if (this.emptyContainer(Byte.CloseBrace)) return object;
    for (;;) {
      this.skipWhitespace();
      if (this.bytes[this.at] !== Byte.Quote) throw notJson;
      const key = this.key();
      this.skipWhitespace();
      if (this.bytes[this.at++] !== Byte.Colon) throw notJson;
      const item = this.value();
      // JSON.parse makes "__proto__" an own member; assigning it would set the prototype instead.
      if (key === "__proto__") {
        Object.defineProperty(object, key, { value: item, enumerable: true, writable: true, configurable: true });
      } else {
        object[key] = item;
      }
      this.skipWhitespace();
      const next = this.bytes[this.at++];
      if (next === Byte.CloseBrace) return object;
      if (next !== Byte.Comma) throw notJson;
    }
  }

  private array(): unknown[] {
    const array: unknown[] = [];
    if (this.emptyContainer(Byte.CloseBracket)) return array;
    for (;;) {
      array.push(this.value());
      this.skipWhitespace();
      const next = this.bytes[this.at++];
      if (next === Byte.CloseBracket) return array;
      if (next !== Byte.Comma) throw notJson;
    }
  }

  /**
   * A member name: the few distinct names of a document (hundreds of records with the same members) are kept and
   * compared with the bytes, rather than made into a new string each time.
   */
  private key(): string {
    const bytes = this.bytes;
    const start = this.at + 1;
    const keys = this.keys;
    next: for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const end = start + key.length;
      if (bytes[end] !== Byte.Quote) continue;
      for (let i = 0; i < key.length; i++) if (bytes[start + i] !== key.charCodeAt(i)) continue next;
      this.at = end + 1;
      return key;
    }
    const key = this.string();
    if (keys.length < keptKeys && this.at - start - 1 === key.length && isPrintableAscii(key)) keys.push(key);
    return key;
  }

  /** At the opening quote; leaves `at` past the closing one. */
  private string(): string {
    const open = this.at;
    const close = this.closingQuote(open + 1);
    this.at = close + 1;
    if (close - open <= shortString) {
      const plain = this.plainText(open + 1, close);
      if (plain !== null) return plain;
    }
    try {
      return JSON.parse(this.text(open, close + 1)) as string;
    } catch {
      throw notJson;
    }
  }

  /** The quote ending a string whose text starts at `from`: the first one that no backslash escapes. */
  private closingQuote(from: number): number {
    const bytes = this.bytes;
    let at = from;
    for (;;) {
      const quote = bytes.indexOf(Byte.Quote, at);
      if (quote < 0) throw notJson;
      if (this.nextBackslash < at) {
        const backslash = bytes.indexOf(Byte.Backslash, at);
        this.nextBackslash = backslash < 0 ? Infinity : backslash;
      }
      if (this.nextBackslash > quote) return quote;
      at = this.nextBackslash + 2;
    }
  }

  /** The text between `start` and `end` when it needs no unescaping or checking: printable ASCII only. */
  private plainText(start: number, end: number): string | null {
    const bytes = this.bytes;
    for (let at = start; at < end; at++) {
      const byte = bytes[at]!;
      if (byte < Byte.Space || byte === Byte.Backslash || byte > Byte.Tilde) return null;
    }
    return bytes.toString("latin1", start, end);
  }

  private text(start: number, end: number): string {
    return this.bytes.toString(this.ascii ? "latin1" : "utf8", start, end);
  }

  private literal(word: string, value: boolean | null): boolean | null {
    const bytes = this.bytes;
    for (let i = 0; i < word.length; i++) if (bytes[this.at + i] !== word.charCodeAt(i)) throw notJson;
    this.at += word.length;
    return value;
  }

  /** JSON's number grammar exactly (no leading zeros, no bare dot, no plus), then JavaScript's conversion. */
  private number(): number {
    const bytes = this.bytes;
    const start = this.at;
    let at = start;
    if (bytes[at] === Byte.Minus) at++;
    if (bytes[at] === Byte.Zero) at++;
    else if (isDigit(bytes[at])) while (isDigit(bytes[at])) at++;
    else throw notJson;
    if (bytes[at] === Byte.Dot) {
      at++;
      if (!isDigit(bytes[at])) throw notJson;
      while (isDigit(bytes[at])) at++;
    }
    if (bytes[at] === Byte.LowerE || bytes[at] === Byte.UpperE) {
      at++;
      if (bytes[at] === Byte.Plus || bytes[at] === Byte.Minus) at++;
      if (!isDigit(bytes[at])) throw notJson;
      while (isDigit(bytes[at])) at++;
    }
    this.at = at;
    return Number(bytes.toString("latin1", start, at));
  }
}

function isPrintableAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= Byte.Zero && byte <= Byte.Nine;
}
