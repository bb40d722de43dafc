/**
 * The two body encodings of the AWS JSON protocols. The response uses the request's encoding.
 * JSON 1.1 is what botocore, the CLI, JS, Go and .NET send; CBOR 1.1 is the Java SDKs' default (so KCL, Flink,
 * Spark).
 *
 * Outputs carry timestamps as Date and blobs as Buffer; each codec writes them as AWS does in its encoding:
 * JSON: epoch seconds with a fraction, base64 strings. CBOR: tag 1 holding integer epoch *milliseconds* (not the
 * seconds RFC 8949 says: AWS does otherwise and its clients expect it), byte strings.
 */
import { isAscii } from "node:buffer";
import { Decoder, Encoder, Tag } from "cbor-x";
import { parseJsonBytes } from "./json-bytes.js";

export interface AwsCodec {
  readonly format: "json" | "cbor";
  readonly contentType: string;
  /** Throws on bytes that are not a document of this encoding. */
  decode(body: Buffer): unknown;
  encode(value: unknown): Buffer;
  /** As encode, for the body of an answer: one of many megabytes may be produced in pieces. */
  encodeAnswer(value: unknown): Buffer | PiecewiseBody;
}

/**
 * A body of known length produced a piece at a time, as the connection takes them: a GetRecords answer of ~14 MB
 * then never exists whole, and the strings each piece is made of die young.
 */
export interface PiecewiseBody {
  readonly length: number;
  pieces(): Iterable<Buffer>;
}

type OwnJson = string | Buffer | PiecewiseBody;

const ownJson = Symbol("ownJson");

/**
 * Gives an output its own JSON writer, which must produce what jsonCodec would: for outputs of hundreds of small
 * fresh entries (a PutRecords answer), a template built for their shape costs a third of JSON.stringify.
 */
export function withOwnJson<T extends object>(value: T, json: (value: T) => OwnJson): T {
  Object.defineProperty(value, ownJson, { value: json, enumerable: false });
  return value;
}

function encodeWithOwnJson(value: unknown): Buffer | PiecewiseBody | null {
  if (typeof value !== "object" || value === null) return null;
  const json = (value as { [ownJson]?: (value: unknown) => OwnJson })[ownJson];
  if (json === undefined) return null;
  const encoded = json(value);
  return typeof encoded === "string" ? Buffer.from(encoded, "utf8") : encoded;
}

function whole(body: Buffer | PiecewiseBody): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.concat([...body.pieces()], body.length);
}

function encodeJsonAnswer(value: unknown): Buffer | PiecewiseBody {
  return encodeWithOwnJson(value) ?? Buffer.from(JSON.stringify(toWire(value, jsonLeaf)), "utf8");
}

export const jsonCodec: AwsCodec = {
  format: "json",
  contentType: "application/x-amz-json-1.1",
  decode: decodeJson,
  encode: (value) => whole(encodeJsonAnswer(value)),
  encodeAnswer: encodeJsonAnswer,
};

/**
 * A body small enough to be one young-generation string goes to JSON.parse, which is fastest there; a bigger one
 * (a PutRecords of large records) is read from its bytes (json-bytes.ts says why).
 */
const largestYoungString = 128 * 1024 - 64;

function decodeJson(body: Buffer): unknown {
  if (body.length > largestYoungString) {
    const value = parseJsonBytes(body);
    if (value === undefined) throw new SyntaxError("the body is not JSON");
    return value;
  }
  // Bodies are almost always ASCII (base64 data, plain names): checking that and copying bytes as they are is cheaper
  // than decoding UTF-8.
  return JSON.parse(isAscii(body) ? body.toString("latin1") : body.toString("utf8"));
}

const cbor = new Encoder({ useRecords: false, mapsAsObjects: true });
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export const cborCodec: AwsCodec = {
  format: "cbor",
  contentType: "application/x-amz-cbor-1.1",
  decode: (body) => fromCborTimestamps(cborDecoder.decode(body)),
  encode: encodeCbor,
  encodeAnswer: encodeCbor,
};

function encodeCbor(value: unknown): Buffer {
  return cbor.encode(toWire(value, cborLeaf));
}

function jsonLeaf(value: Date | Buffer): unknown {
  return value instanceof Date ? value.getTime() / 1000 : value.toString("base64");
}

function cborLeaf(value: Date | Buffer): unknown {
  return value instanceof Date ? new Tag(value.getTime(), 1) : value;
}

/**
 * cbor-x reads tag 1 as epoch seconds, but AWS puts milliseconds there: a Date it made is 1000 times too late.
 * Decoded requests are small, so one pass to put every timestamp right is cheap.
 */
function fromCborTimestamps(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime() / 1000);
  if (Array.isArray(value)) return value.map(fromCborTimestamps);
  if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
    for (const [key, item] of Object.entries(value)) (value as Record<string, unknown>)[key] = fromCborTimestamps(item);
  }
  return value;
}

/**
 * An output value with each timestamp and blob in the encoding's form and undefined members dropped. Copies only
 * what changes: a PutRecords response (hundreds of records, no timestamp or blob) is walked but not copied.
 */
function toWire(value: unknown, leaf: (value: Date | Buffer) => unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return leaf(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const wire = toWire(item, leaf);
      if (copy === null && wire !== item) copy = value.slice(0, i);
      copy?.push(wire);
    }
    return copy ?? value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  // Anything but a plain object (a class instance) is copied into one, as it always was.
  const prototype: unknown = Object.getPrototypeOf(object);
  let copy: Record<string, unknown> | null = prototype === Object.prototype || prototype === null ? null : {};
  for (let i = 0; i < keys.length; i++) {
    const item = object[keys[i]!];
    const wire = item === undefined ? undefined : toWire(item, leaf);
    if (copy === null && (wire !== item || item === undefined)) {
      copy = {};
      for (const kept of keys.slice(0, i)) copy[kept] = object[kept];
    }
    if (copy !== null && wire !== undefined) copy[keys[i]!] = wire;
  }
  return copy ?? object;
}

const codecsByContentType = new Map<string, AwsCodec>([
  ["application/x-amz-json-1.1", jsonCodec],
  ["application/x-amz-json-1.0", jsonCodec],
  // AWS answers plain application/json with a legacy envelope no SDK sends for; Freshet reads it as JSON 1.1.
  ["application/json", jsonCodec],
  ["application/x-amz-cbor-1.1", cborCodec],
]);

/** The codec for a Content-Type header (parameters such as charset ignored), or undefined. */
export function codecFor(contentType: string | undefined): AwsCodec | undefined {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return codecsByContentType.get(mediaType);
}
