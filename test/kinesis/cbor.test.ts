/**
 * The CBOR wire (`application/x-amz-cbor-1.1`), as the Java SDKs (so KCL, Flink, Spark) speak it: blobs as byte
 * strings, timestamps as CBOR tag 1 holding integer epoch *milliseconds*, in both directions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Decoder, encode, Tag } from "cbor-x";
import { startServer } from "../support/server.js";

const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

describe("Kinesis over CBOR", async () => {
  const server = await startServer();
  const call = async (action: string, body: unknown) => {
    const response = await fetch(`${server.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-cbor-1.1", "x-amz-target": `Kinesis_20131202.${action}` },
      body: encode(body),
    });
    assert.equal(response.headers.get("content-type"), "application/x-amz-cbor-1.1");
    return { status: response.status, body: decoder.decode(Buffer.from(await response.arrayBuffer())) as Record<string, any> };
  };

  it("puts byte strings and reads them back with tag-1 millisecond timestamps", async () => {
    assert.equal((await call("CreateStream", { StreamName: "java", ShardCount: 1 })).status, 200);
    const before = Date.now() - 1000;
    const payload = new Uint8Array([0xca, 0xfe, 0x00, 0x01]);
    const put = await call("PutRecord", { StreamName: "java", PartitionKey: "pk", Data: payload });
    assert.equal(put.status, 200);
    assert.match(put.body.SequenceNumber, /^\d{56}$/);

    const iterator = await call("GetShardIterator", {
      StreamName: "java",
      ShardId: "shardId-000000000000",
      ShardIteratorType: "AT_TIMESTAMP",
      Timestamp: new Tag(before, 1),
    });
    assert.equal(iterator.status, 200, JSON.stringify(iterator.body));
    const records = await call("GetRecords", { ShardIterator: iterator.body.ShardIterator });
    assert.equal(records.status, 200);
    const record = (records.body.Records as Array<Record<string, any>>)[0]!;
    assert.ok(record.Data instanceof Uint8Array, "Data is a CBOR byte string");
    assert.deepEqual([...record.Data], [...payload]);
    // cbor-x reads tag 1 as seconds, so a millisecond value comes back 1000 times too large.
    const arrivalMs = (record.ApproximateArrivalTimestamp as Date).getTime() / 1000;
    assert.ok(Number.isInteger(arrivalMs), "tag 1 holds an integer");
    assert.ok(arrivalMs >= before && arrivalMs <= Date.now() + 1000, `tag 1 holds epoch milliseconds (${arrivalMs})`);
  });

  it("finds nothing after a recent timestamp rather than waiting", async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const iterator = await call("GetShardIterator", {
      StreamName: "java",
      ShardId: "shardId-000000000000",
      ShardIteratorType: "AT_TIMESTAMP",
      Timestamp: new Tag(Date.now(), 1),
    });
    const records = await call("GetRecords", { ShardIterator: iterator.body.ShardIterator });
    assert.deepEqual(records.body.Records, []);
  });

  it("rejects a timestamp in the future as AWS does", async () => {
    const future = await call("GetShardIterator", {
      StreamName: "java",
      ShardId: "shardId-000000000000",
      ShardIteratorType: "AT_TIMESTAMP",
      Timestamp: new Tag(Date.now() + 3_600_000, 1),
    });
    assert.equal(future.status, 400);
    assert.equal(future.body.__type, "InvalidArgumentException");
    assert.match(future.body.message, /^The timestampInMillis parameter cannot be greater than the currentTimestampInMillis/);
  });

  it("answers errors as CBOR maps", async () => {
    const missing = await call("DescribeStream", { StreamName: "nope" });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { __type: "ResourceNotFoundException", message: "Stream nope under account 000000000000 not found." });
    const wrongType = await call("PutRecord", { StreamName: "java", PartitionKey: "pk", Data: 42 });
    assert.equal(wrongType.body.__type, "SerializationException");
  });
});
