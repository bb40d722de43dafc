/**
 * Requests that break several constraints at once, through the AWS SDK (raw JSON where the SDK would not send the
 * value): AWS reports every violation, in its own fixed order per action (not the API model's), up to ten, in one
 * ValidationException; the wording and the order are those recorded against real AWS. The constraints themselves
 * are today's API model's (Data up to 10 MiB, up to 200 tags, no range on RetentionPeriodHours, StreamName
 * optional now that StreamARN may name the stream).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RemoveTagsFromStreamCommand,
  type ShardIteratorType,
  SplitShardCommand,
} from "@aws-sdk/client-kinesis";
import { awsError, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";

const long = (length: number) => "a".repeat(length);
const name129 = long(129);

const nameErrors = {
  empty: [
    "Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    "Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
  ],
  long: [`Value '${name129}' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128`],
};

const notNull = (member: string) => `Value null at '${member}' failed to satisfy constraint: Member must not be null`;

/** The message of one ValidationException holding these violations, in this order. */
function validationMessage(violations: readonly string[]): string {
  return `${violations.length} validation error${violations.length > 1 ? "s" : ""} detected: ${violations.join("; ")}`;
}

describe("Kinesis request validation, in AWS's order and words", async () => {
  const server = await startServer();
  const kinesis = kinesisClient(server.endpoint);

  const rejects = async (promise: Promise<unknown>, violations: readonly string[]): Promise<void> => {
    const error = await awsError(promise, "ValidationException");
    assert.equal(error.message, validationMessage(violations));
  };

  /** A request the SDK would not send as is, straight onto the JSON wire. */
  const raw = async (action: string, body: unknown): Promise<{ status: number; type: string; message: string }> => {
    const response = await fetch(`${server.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `Kinesis_20131202.${action}` },
      body: JSON.stringify(body),
    });
    const parsed = (await response.json()) as { __type: string; message?: string; Message?: string };
    return { status: response.status, type: parsed.__type.split("#").pop()!, message: parsed.message ?? parsed.Message ?? "" };
  };

  it("CreateStream: ShardCount before StreamName", async () => {
    await rejects(kinesis.send(new CreateStreamCommand({ StreamName: "", ShardCount: 0 })), [
      "Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ...nameErrors.empty,
    ]);
    await rejects(kinesis.send(new CreateStreamCommand({ StreamName: name129, ShardCount: -1 })), [
      "Value '-1' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ...nameErrors.long,
    ]);
  });

  it("an integer too big for a Java int is reported as Integer.MAX_VALUE", async () => {
    await rejects(kinesis.send(new ListStreamsCommand({ Limit: 100000000000 })), [
      "Value '2147483647' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
    ]);
  });

  it("DeleteStream and DescribeStreamSummary: pattern before length", async () => {
    await rejects(kinesis.send(new DeleteStreamCommand({ StreamName: "" })), nameErrors.empty);
    await rejects(kinesis.send(new DeleteStreamCommand({ StreamName: name129 })), nameErrors.long);
    await rejects(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "" })), nameErrors.empty);
  });

  it("DescribeStream: Limit, ExclusiveStartShardId, then StreamName", async () => {
    await rejects(kinesis.send(new DescribeStreamCommand({ StreamName: "", Limit: 0, ExclusiveStartShardId: "" })), [
      "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      "Value '' at 'exclusiveStartShardId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      "Value '' at 'exclusiveStartShardId' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ...nameErrors.empty,
    ]);
    await rejects(kinesis.send(new DescribeStreamCommand({ StreamName: name129, Limit: 100000, ExclusiveStartShardId: name129 })), [
      "Value '100000' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
      `Value '${name129}' at 'exclusiveStartShardId' failed to satisfy constraint: Member must have length less than or equal to 128`,
      ...nameErrors.long,
    ]);
  });

  it("ListStreams: Limit before ExclusiveStartStreamName", async () => {
    await rejects(kinesis.send(new ListStreamsCommand({ ExclusiveStartStreamName: "", Limit: 0 })), [
      "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      "Value '' at 'exclusiveStartStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      "Value '' at 'exclusiveStartStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ]);
    await rejects(kinesis.send(new ListStreamsCommand({ ExclusiveStartStreamName: name129, Limit: 1000000 })), [
      "Value '1000000' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
      `Value '${name129}' at 'exclusiveStartStreamName' failed to satisfy constraint: Member must have length less than or equal to 128`,
    ]);
  });

  it("ListShards: MaxResults, ExclusiveStartShardId, StreamName, then NextToken", async () => {
    await rejects(kinesis.send(new ListShardsCommand({ StreamName: "", NextToken: "", MaxResults: 0, ExclusiveStartShardId: "" })), [
      "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
      "Value '' at 'exclusiveStartShardId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      "Value '' at 'exclusiveStartShardId' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ...nameErrors.empty,
      "Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ]);
    await rejects(kinesis.send(new ListShardsCommand({ StreamName: name129, MaxResults: 100000, ExclusiveStartShardId: name129 })), [
      "Value '100000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10000",
      `Value '${name129}' at 'exclusiveStartShardId' failed to satisfy constraint: Member must have length less than or equal to 128`,
      ...nameErrors.long,
    ]);
  });

  it("ListTagsForStream: Limit, ExclusiveStartTagKey, then StreamName", async () => {
    await rejects(kinesis.send(new ListTagsForStreamCommand({ StreamName: "", ExclusiveStartTagKey: "", Limit: 0 })), [
      "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      "Value '' at 'exclusiveStartTagKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ...nameErrors.empty,
    ]);
    await rejects(kinesis.send(new ListTagsForStreamCommand({ StreamName: name129, ExclusiveStartTagKey: name129, Limit: 100 })), [
      "Value '100' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
      `Value '${name129}' at 'exclusiveStartTagKey' failed to satisfy constraint: Member must have length less than or equal to 128`,
      ...nameErrors.long,
    ]);
  });

  it("AddTagsToStream: Tags before StreamName; bad keys and values reported once, on the map", async () => {
    await rejects(kinesis.send(new AddTagsToStreamCommand({ StreamName: "" } as never)), [notNull("tags"), ...nameErrors.empty]);
    await rejects(kinesis.send(new AddTagsToStreamCommand({ StreamName: "", Tags: {} })), [
      "Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ...nameErrors.empty,
    ]);
    await rejects(kinesis.send(new AddTagsToStreamCommand({ StreamName: name129, Tags: { a: "1", [name129]: "3", [long(130)]: "4" } })), [
      `Value '{a=1, ${name129}=3, ${long(130)}=4}' at 'tags' failed to satisfy constraint: ` +
        "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]",
      ...nameErrors.long,
    ]);
    await rejects(kinesis.send(new AddTagsToStreamCommand({ StreamName: "s", Tags: { a: "1", c: long(257) } })), [
      `Value '{a=1, c=${long(257)}}' at 'tags' failed to satisfy constraint: ` +
        "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]",
    ]);
    const tooMany = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, `${i}`]));
    await rejects(kinesis.send(new AddTagsToStreamCommand({ StreamName: "s", Tags: tooMany })), [
      `Value '{${Object.entries(tooMany)
        .map(([key, value]) => `${key}=${value}`)
        .join(", ")}}' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200`,
    ]);
  });

  it("RemoveTagsFromStream: TagKeys before StreamName; bad keys reported once, on the list", async () => {
    await rejects(kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: "", TagKeys: [] })), [
      "Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ...nameErrors.empty,
    ]);
    await rejects(kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: name129, TagKeys: ["a", name129, "", "b"] })), [
      `Value '[a, ${name129}, , b]' at 'tagKeys' failed to satisfy constraint: ` +
        "Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]",
      ...nameErrors.long,
    ]);
    const keys = Array.from({ length: 51 }, (_, i) => `${i + 1}`);
    await rejects(kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: "s", TagKeys: keys })), [
      `Value '[${keys.join(", ")}]' at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50`,
    ]);
  });

  it("Increase/DecreaseStreamRetentionPeriod: RetentionPeriodHours before StreamName", async () => {
    await rejects(kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: "" } as never)), [
      notNull("retentionPeriodHours"),
      ...nameErrors.empty,
    ]);
    await rejects(kinesis.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name129 } as never)), [
      notNull("retentionPeriodHours"),
      ...nameErrors.long,
    ]);
  });

  it("GetRecords: Limit before ShardIterator", async () => {
    await rejects(kinesis.send(new GetRecordsCommand({ ShardIterator: "", Limit: 0 })), [
      "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      "Value '' at 'shardIterator' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ]);
    await rejects(kinesis.send(new GetRecordsCommand({ ShardIterator: long(513), Limit: 100000 })), [
      "Value '100000' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
      `Value '${long(513)}' at 'shardIterator' failed to satisfy constraint: Member must have length less than or equal to 512`,
    ]);
  });

  it("GetShardIterator: ShardId, ShardIteratorType, StartingSequenceNumber, then StreamName", async () => {
    await rejects(kinesis.send(new GetShardIteratorCommand({ StreamName: "s" } as never)), [notNull("shardId"), notNull("shardIteratorType")]);
    await rejects(
      kinesis.send(
        new GetShardIteratorCommand({ StreamName: "", ShardIteratorType: "" as ShardIteratorType, ShardId: "", StartingSequenceNumber: "" }),
      ),
      [
        "Value '' at 'shardId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        "Value '' at 'shardId' failed to satisfy constraint: Member must have length greater than or equal to 1",
        "Value '' at 'shardIteratorType' failed to satisfy constraint: " +
          "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]",
        "Value '' at 'startingSequenceNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})",
        ...nameErrors.empty,
      ],
    );
    await rejects(kinesis.send(new GetShardIteratorCommand({ StreamName: name129, ShardId: name129, ShardIteratorType: "LATEST" })), [
      `Value '${name129}' at 'shardId' failed to satisfy constraint: Member must have length less than or equal to 128`,
      ...nameErrors.long,
    ]);
  });

  it("MergeShards: ShardToMerge, AdjacentShardToMerge, then StreamName", async () => {
    await rejects(kinesis.send(new MergeShardsCommand({ StreamName: "", ShardToMerge: "", AdjacentShardToMerge: "" })), [
      "Value '' at 'shardToMerge' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      "Value '' at 'shardToMerge' failed to satisfy constraint: Member must have length greater than or equal to 1",
      "Value '' at 'adjacentShardToMerge' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      "Value '' at 'adjacentShardToMerge' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ...nameErrors.empty,
    ]);
    await rejects(kinesis.send(new MergeShardsCommand({ StreamName: name129, ShardToMerge: name129, AdjacentShardToMerge: name129 })), [
      `Value '${name129}' at 'shardToMerge' failed to satisfy constraint: Member must have length less than or equal to 128`,
      `Value '${name129}' at 'adjacentShardToMerge' failed to satisfy constraint: Member must have length less than or equal to 128`,
      ...nameErrors.long,
    ]);
  });

  it("SplitShard: NewStartingHashKey, StreamName, then ShardToSplit", async () => {
    await rejects(kinesis.send(new SplitShardCommand({ StreamName: "s" } as never)), [notNull("newStartingHashKey"), notNull("shardToSplit")]);
    await rejects(kinesis.send(new SplitShardCommand({ StreamName: "", ShardToSplit: "", NewStartingHashKey: "" })), [
      "Value '' at 'newStartingHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
      ...nameErrors.empty,
      "Value '' at 'shardToSplit' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      "Value '' at 'shardToSplit' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ]);
    await rejects(kinesis.send(new SplitShardCommand({ StreamName: name129, ShardToSplit: name129, NewStartingHashKey: "0" })), [
      ...nameErrors.long,
      `Value '${name129}' at 'shardToSplit' failed to satisfy constraint: Member must have length less than or equal to 128`,
    ]);
  });

  it("PutRecord: SequenceNumberForOrdering, PartitionKey, ExplicitHashKey, Data, then StreamName", async () => {
    await rejects(kinesis.send(new PutRecordCommand({ StreamName: "s" } as never)), [notNull("partitionKey"), notNull("data")]);
    await rejects(
      kinesis.send(
        new PutRecordCommand({ StreamName: "", PartitionKey: "", Data: new Uint8Array(0), ExplicitHashKey: "", SequenceNumberForOrdering: "" }),
      ),
      [
        "Value '' at 'sequenceNumberForOrdering' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})",
        "Value '' at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
        "Value '' at 'explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
        ...nameErrors.empty,
      ],
    );
    const data = new Uint8Array(10 * 1024 * 1024 + 1);
    await rejects(kinesis.send(new PutRecordCommand({ StreamName: name129, PartitionKey: long(257), Data: data, ExplicitHashKey: "" })), [
      `Value '${long(257)}' at 'partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256`,
      "Value '' at 'explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
      "Value 'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]' at 'data' failed to satisfy constraint: " +
        "Member must have length less than or equal to 10485760",
      ...nameErrors.long,
    ]);
  });

  it("PutRecords: Records (PartitionKey, ExplicitHashKey, Data of each) before StreamName", async () => {
    await rejects(kinesis.send(new PutRecordsCommand({ StreamName: "" } as never)), [notNull("records"), ...nameErrors.empty]);
    await rejects(kinesis.send(new PutRecordsCommand({ StreamName: "", Records: [] })), [
      "Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ...nameErrors.empty,
    ]);
    await rejects(
      kinesis.send(new PutRecordsCommand({ StreamName: "", Records: [{ PartitionKey: "", Data: new Uint8Array(0), ExplicitHashKey: "" }] })),
      [
        "Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
        "Value '' at 'records.1.member.explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
        ...nameErrors.empty,
      ],
    );
    const data = new Uint8Array(10 * 1024 * 1024 + 1);
    await rejects(
      kinesis.send(
        new PutRecordsCommand({
          StreamName: name129,
          Records: [
            { PartitionKey: "ok", Data: new Uint8Array(1) },
            { PartitionKey: long(257), Data: data, ExplicitHashKey: "" },
          ],
        }),
      ),
      [
        `Value '${long(257)}' at 'records.2.member.partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256`,
        "Value '' at 'records.2.member.explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
        "Value 'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]' at 'records.2.member.data' failed to satisfy constraint: " +
          "Member must have length less than or equal to 10485760",
        ...nameErrors.long,
      ],
    );
  });

  it("PutRecords: stops at ten violations, and counts ten", async () => {
    const records = Array.from({ length: 501 }, () => ({ PartitionKey: "", Data: new Uint8Array(0) }));
    const error = await awsError(kinesis.send(new PutRecordsCommand({ StreamName: "", Records: records })), "ValidationException");
    // AWS prints each entry as a Java object (PutRecordsRequestEntry@hash), which this server does not imitate.
    const tooMany = "' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500; ";
    assert.ok(error.message.startsWith("10 validation errors detected: Value '["), error.message);
    assert.ok(error.message.includes(tooMany), error.message);
    const rest = error.message.slice(error.message.indexOf(tooMany) + tooMany.length);
    assert.equal(
      rest,
      Array.from(
        { length: 9 },
        (_, i) => `Value '' at 'records.${i + 1}.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1`,
      ).join("; "),
    );
  });

  it("refuses values of the wrong type first, in Coral's words", async () => {
    const number = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";
    const cases: [string, Record<string, unknown>, string][] = [
      ["CreateStream", { StreamName: 23, ShardCount: 0 }, `${number} can not be converted to an String`],
      ["CreateStream", { StreamName: "", ShardCount: "23" }, "class java.lang.String can not be converted to an Integer"],
      ["CreateStream", { StreamName: "", ShardCount: true }, "class java.lang.Boolean can not be converted to an Integer"],
      ["PutRecord", { StreamName: "s", PartitionKey: "p", Data: 23 }, `${number} can not be converted to a Blob`],
      [
        "GetShardIterator",
        { StreamName: "s", ShardId: "0", ShardIteratorType: "AT_TIMESTAMP", Timestamp: "23" },
        "class java.lang.String can not be converted to milliseconds since epoch",
      ],
      ["ListShards", { StreamName: "s", StreamCreationTimestamp: true }, "class java.lang.Boolean can not be converted to milliseconds since epoch"],
      ["RemoveTagsFromStream", { StreamName: "s", TagKeys: "a" }, "Expected list or null"],
      ["AddTagsToStream", { StreamName: "s", Tags: [] }, "Start of list found where not expected"],
    ];
    for (const [action, body, message] of cases) {
      const response = await raw(action, body);
      assert.deepEqual(response, { status: 400, type: "SerializationException", message }, `${action} ${JSON.stringify(body)}`);
    }
  });
});
