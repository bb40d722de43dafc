/**
 * The JSON reader for large request bodies (src/protocols/aws/json-bytes.ts) must be JSON.parse of the body decoded as
 * UTF-8: the same value for every document, and a refusal for every non-document.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { jsonCodec } from "../../src/protocols/aws/codecs.js";
import { parseJsonBytes } from "../../src/protocols/aws/json-bytes.js";

/** What JSON.parse makes of the bytes, or undefined when it throws. */
function reference(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

function assertSameAsJsonParse(bytes: Buffer): void {
  assert.deepStrictEqual(parseJsonBytes(bytes), reference(bytes), JSON.stringify(bytes.toString("latin1")));
}

/** JSON texts written several ways: compact, indented, with escapes JSON.stringify would not use. */
const jsonText = fc
  .tuple(
    fc.jsonValue(),
    fc.constantFrom<"compact" | "indented" | "escaped">("compact", "indented", "escaped"),
  )
  .map(([value, style]) => {
    if (style === "compact") return JSON.stringify(value);
    if (style === "indented") return JSON.stringify(value, null, "\t \r\n".slice(0, 1 + (JSON.stringify(value).length % 4)));
    // Every non-ASCII and every '/' escaped as \uXXXX or \/: legal, and a path no SDK takes.
    return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).replace(/\//g, "\\/");
  });

/** Strings long enough for the reader's long-string path, mixing plain runs with what needs care. */
const longString = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom(..."ABCXYZabcxyz0189+/=") , minLength: 20, maxLength: 200 }) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constantFrom("\\", '"', "\\u", "\ud800", "\udfff", "é", "€", "😀", "\u0000", "\n", "\u001f") },
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((parts) => parts.join(""));

/** Bytes near a JSON text: one to three bytes replaced, inserted or removed. */
function mutated(text: Buffer, edits: Array<[number, number, number]>): Buffer {
  let bytes = Buffer.from(text);
  for (const [where, kind, byte] of edits) {
    const at = bytes.length === 0 ? 0 : where % bytes.length;
    if (kind === 0) bytes[at] = byte;
    else if (kind === 1) bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at)]);
    else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
  }
  return bytes;
}

const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.oneof(fc.constantFrom(0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x2d, 0x65, 0x2e, 0x20, 0x0a, 0x00, 0x1f, 0x80, 0xc3, 0xe2, 0xff), fc.nat(255)));

describe("JSON from bytes", () => {
  it("gives JSON.parse's value for any JSON text", () => {
    fc.assert(fc.property(jsonText, (text) => assertSameAsJsonParse(Buffer.from(text, "utf8"))), { numRuns: 3000 });
  });

  it("reads long strings (escapes, surrogates, control characters, non-ASCII) as JSON.parse does", () => {
    fc.assert(
      fc.property(longString, fc.boolean(), (text, raw) => {
        // Raw: the characters as they are between quotes (often not JSON); else properly escaped.
        const document = raw ? `{"Data":"${text}","Key":"${text.slice(0, 30)}"}` : JSON.stringify({ Data: text, Key: text.slice(0, 30) });
        assertSameAsJsonParse(Buffer.from(document, "utf8"));
      }),
      { numRuns: 3000 },
    );
  });

  it("refuses what JSON.parse refuses, and accepts the rest the same, near valid documents", () => {
    fc.assert(
      fc.property(jsonText, fc.array(edit, { minLength: 1, maxLength: 3 }), (text, edits) => {
        assertSameAsJsonParse(mutated(Buffer.from(text, "utf8"), edits));
      }),
      { numRuns: 5000 },
    );
  });

  it("agrees on hand-picked edges", () => {
    const texts = [
      "", " ", "{}", "[]", "{", "[", "]", "}", '""', '"', '"\\"', '"\\\\"', '"\\\\\\""', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\u12"',
      '"\\x41"', '"a\tb"', "0", "-0", "01", "1.", ".5", "+1", "-", "1e", "1e+", "1E5", "1e-7", "-1.5e+300", "1e400",
      "123456789012345678901234567890", "Infinity", "NaN", "true", "false", "null", "tru", "nul", "truex", "[1,]",
      "[,1]", '{"a":1,}', '{"a" 1}', '{a:1}', "{'a':1}", "[1 2]", " [ 1 , 2 ] ", "\ufeff{}", "{}x", "{} {}",
      '{"__proto__":{"polluted":1}}', '{"a":1,"a":2}', '{"2":1,"1":2,"b":3,"a":4}', '["\u2028\u2029"]',
    ];
    for (const text of texts) assertSameAsJsonParse(Buffer.from(text, "utf8"));
    // Bytes that are not UTF-8 inside strings become U+FFFD, as decoding the whole body does.
    for (const bad of [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xc0, 0xaf]]) {
      const long = Buffer.from("A".repeat(100));
      assertSameAsJsonParse(Buffer.concat([Buffer.from('{"k":"'), Buffer.from(bad), Buffer.from('","d":"'), long, Buffer.from(bad), Buffer.from('"}')]));
    }
    const polluted = parseJsonBytes(Buffer.from('{"__proto__":{"polluted":1}}')) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(polluted), Object.prototype);
    assert.deepStrictEqual(Object.keys(polluted), ["__proto__"]);
  });

  it("reads documents nested deeper than the stack", () => {
    const depth = 200_000;
    const bytes = Buffer.from(`${"[".repeat(depth)}1${"]".repeat(depth)}`);
    let value = parseJsonBytes(bytes);
    for (let level = 0; level < depth; level++) value = (value as unknown[])[0];
    assert.equal(value, 1);
  });

  it("is what the JSON codec uses for large bodies: a 3 MiB PutRecords body decodes as JSON.parse decodes it", () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      Data: Buffer.alloc(4096, i).toString("base64"),
      PartitionKey: i % 7 === 0 ? `clé-${i}` : `key-${i}`,
      ...(i % 5 === 0 ? { ExplicitHashKey: String(BigInt(i) * 10n ** 30n) } : {}),
    }));
    const body = Buffer.from(JSON.stringify({ StreamName: "s", Records: records }));
    assert.ok(body.length > 2 * 1024 * 1024);
    assert.deepStrictEqual(jsonCodec.decode(body), JSON.parse(body.toString("utf8")));
    assert.throws(() => jsonCodec.decode(Buffer.concat([body, Buffer.from(",")])));
  });
});
