/**
 * The JSON encoding of an output value carrying large blobs, written straight into one growing Buffer: the bytes
 * `JSON.stringify` would give once each Date became epoch seconds and each Buffer a base64 string, without first
 * copying the value into that form and without turning a response of megabytes of base64 (GetRecords, 10,000
 * records) into one JavaScript string to scan for escapes and encode again.
 *
 * Same rules as JSON.stringify for what outputs hold: object members in Object.keys order, undefined (and function
 * or symbol) members left out and written as null in arrays, non-finite numbers as null, strings escaped by
 * JSON.stringify itself. A bigint throws, as it does there.
 */

const initialBytes = 8 * 1024;
/** Up to this many characters, copying char codes in JavaScript beats a call into Buffer#write. */
const shortText = 64;
/** Member names are a few dozen shape names; user-chosen keys (tag maps) are not worth remembering past this. */
const maxRememberedNames = 1024;
const quotedNames = new Map<string, string>();

/** Blobs looked at to judge an output (records of one response are alike), and values looked at to find them. */
const sampledBlobs = 16;
const sampledValues = 256;
/**
 * Average blob size from which this writer beats JSON.stringify of a copy with base64 strings: below it, the
 * per-member cost of a writer in JavaScript outweighs what it saves on the blobs (measured: 10,000 records of
 * 1 KiB 9.4 -> 4.9 us each, of 100 B 2.9 -> 4.0).
 */
const largeBlobBytes = 256;

/** Whether the first few blobs of an output are large on average: encodeJson's kind of output. */
export function carriesLargeBlobs(value: unknown): boolean {
  const sample = { blobs: 0, bytes: 0, values: 0 };
  sampleBlobs(value, sample);
  return sample.blobs > 0 && sample.bytes >= largeBlobBytes * sample.blobs;
}

function sampleBlobs(value: unknown, sample: { blobs: number; bytes: number; values: number }): void {
  sample.values++;
  if (typeof value !== "object" || value === null || value instanceof Date) return;
  if (Buffer.isBuffer(value)) {
    sample.blobs++;
    sample.bytes += value.length;
    return;
  }
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (sample.blobs >= sampledBlobs || sample.values >= sampledValues) return;
    sampleBlobs(item, sample);
  }
}

export function encodeJson(value: unknown): Buffer {
  const writer = new JsonWriter();
  writer.value(value);
  return writer.result();
}

class JsonWriter {
  private buffer = Buffer.allocUnsafe(initialBytes);
  private at = 0;

  result(): Buffer {
    return this.buffer.subarray(0, this.at);
  }

  value(value: unknown): void {
    switch (typeof value) {
      case "string":
        this.text(JSON.stringify(value));
        return;
      case "number":
        this.ascii(Number.isFinite(value) ? String(value) : "null");
        return;
      case "boolean":
        this.ascii(value ? "true" : "false");
        return;
      case "bigint":
        throw new TypeError("Do not know how to serialize a BigInt");
      case "object":
        if (value === null) this.ascii("null");
        else if (value instanceof Date) this.value(value.getTime() / 1000);
        else if (Buffer.isBuffer(value)) this.base64(value);
        else if (Array.isArray(value)) this.array(value);
        else this.object(value as Record<string, unknown>);
        return;
      default:
        // undefined, functions and symbols: callers leave them out or write null, as JSON.stringify does.
        this.ascii("null");
    }
  }

  private array(items: readonly unknown[]): void {
    this.byte(0x5b);
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.byte(0x2c);
      this.value(items[i]);
    }
    this.byte(0x5d);
  }

  private object(object: Record<string, unknown>): void {
    this.byte(0x7b);
    let first = true;
    for (const key of Object.keys(object)) {
      const item = object[key];
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      if (!first) this.byte(0x2c);
      first = false;
      this.text(quotedName(key));
      this.byte(0x3a);
      this.value(item);
    }
    this.byte(0x7d);
  }

  private base64(bytes: Buffer): void {
    const encoded = bytes.toString("base64");
    this.reserve(encoded.length + 2);
    this.buffer[this.at++] = 0x22;
    this.at += this.buffer.write(encoded, this.at, "latin1");
    this.buffer[this.at++] = 0x22;
  }

  /** A string known to be ASCII. */
  private ascii(text: string): void {
    this.reserve(text.length);
    if (text.length <= shortText) {
      for (let i = 0; i < text.length; i++) this.buffer[this.at++] = text.charCodeAt(i);
    } else {
      this.at += this.buffer.write(text, this.at, "latin1");
    }
  }

  /** Any string (JSON.stringify output is well-formed: lone surrogates come escaped). */
  private text(text: string): void {
    this.reserve(text.length * 3);
    if (text.length <= shortText) {
      const start = this.at;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code >= 0x80) {
          this.at = start + this.buffer.write(text, start, "utf8");
          return;
        }
        this.buffer[this.at++] = code;
      }
    } else {
      this.at += this.buffer.write(text, this.at, "utf8");
    }
  }

  private byte(value: number): void {
    this.reserve(1);
    this.buffer[this.at++] = value;
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}

function quotedName(name: string): string {
  let quoted = quotedNames.get(name);
  if (quoted === undefined) {
    quoted = JSON.stringify(name);
    if (quotedNames.size < maxRememberedNames) quotedNames.set(name, quoted);
  }
  return quoted;
}
