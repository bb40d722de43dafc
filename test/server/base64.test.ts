/** Record data in JSON is strict base64: what AWS's Java decoder refuses, Freshet refuses with the same words. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeStrictBase64 } from "../../src/protocols/aws/base64.js";
import { startServer } from "../support/server.js";

/** Deterministic, so that a disagreement found once is found again. */
function prng(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % below;
  };
}

describe("strict base64", () => {
  it("accepts exactly what re-encodes to itself (Node's decoder being the lenient one)", () => {
    const random = prng(20261122);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n!é€";
    let checked = 0;
    let valid = 0;
    for (let i = 0; i < 100_000; i++) {
      const bytes = Buffer.from(Array.from({ length: random(13) }, () => random(256)));
      let text = bytes.toString("base64");
      for (let edits = random(3); edits > 0 && text.length > 0; edits--) {
        const at = random(text.length);
        text = text.slice(0, at) + alphabet[random(alphabet.length)]! + text.slice(at + 1);
      }
      if (text.length % 4 !== 0) continue;
      checked++;
      const roundTrips = Buffer.from(text, "base64").toString("base64") === text;
      const decoded = decodeStrictBase64(text);
      assert.equal(decoded !== null, roundTrips, JSON.stringify(text));
      if (decoded !== null) {
        valid++;
        assert.deepEqual(decoded, Buffer.from(text, "base64"));
      }
    }
    // Both kinds must have been tried many times for the comparison to mean anything.
    assert.ok(valid > 10_000 && checked - valid > 10_000, `${valid} valid of ${checked}`);
  });

  it("refuses each lenient case by itself", () => {
    for (const text of ["QQ==QUJD", "QUJD QQ=", "QUJ-", "QUJ_", "QR==", "QUJ=", "A===", "====", "QUJDé==="]) {
      assert.equal(decodeStrictBase64(text), null, text);
    }
    assert.deepEqual(decodeStrictBase64("QUJD"), Buffer.from("ABC"));
    assert.deepEqual(decodeStrictBase64("QQ=="), Buffer.from("A"));
    assert.deepEqual(decodeStrictBase64("QUI="), Buffer.from("AB"));
    assert.deepEqual(decodeStrictBase64(""), Buffer.alloc(0));
  });

  it("answers PutRecord data that is not strict base64 with AWS's SerializationException", async () => {
    const server = await startServer();
    const put = async (data: string): Promise<{ status: number; body: { __type: string; message?: string } }> => {
      const response = await fetch(server.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Kinesis_20131202.PutRecord" },
        body: JSON.stringify({ StreamName: "absent", PartitionKey: "p", Data: data }),
      });
      return { status: response.status, body: (await response.json()) as { __type: string; message?: string } };
    };
    assert.deepEqual(await put("QUJ-"), {
      status: 400,
      body: { __type: "SerializationException", message: "'QUJ-' can not be converted to a Blob: Invalid Base64 character: '-'" },
    });
    assert.deepEqual(await put("QUJ="), {
      status: 400,
      body: {
        __type: "SerializationException",
        message: "'QUJ=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected",
      },
    });
    // Valid data gets past the blob check to the existence check.
    assert.equal((await put("QUJD")).body.__type, "ResourceNotFoundException");
  });
});
