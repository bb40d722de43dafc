/** Tags on streams (by name and ARN) and consumers, through the AWS SDK over HTTP/2 and HTTP/1.1. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-kinesis";
import { awsError, type HttpVersion, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";

const arnOf = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;

for (const http of ["h2", "http1"] as HttpVersion[]) {
  describe(`Kinesis tags over ${http}`, async () => {
    const server = await startServer();
    const kinesis = kinesisClient(server.endpoint, http);

    it("adds, overwrites, lists (sorted, in pages) and removes stream tags", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "tagged", ShardCount: 1, Tags: { team: "data" } }));
      await kinesis.send(new AddTagsToStreamCommand({ StreamName: "tagged", Tags: { env: "test", team: "platform", cost: "" } }));
      await kinesis.send(new AddTagsToStreamCommand({ StreamARN: arnOf("tagged"), Tags: { "app:name": "a b/c=d+e-f@g_h.i" } }));
      const all = await kinesis.send(new ListTagsForStreamCommand({ StreamName: "tagged" }));
      assert.deepEqual(all.Tags, [
        { Key: "app:name", Value: "a b/c=d+e-f@g_h.i" },
        { Key: "cost", Value: "" },
        { Key: "env", Value: "test" },
        { Key: "team", Value: "platform" },
      ]);
      assert.equal(all.HasMoreTags, false);

      const first = await kinesis.send(new ListTagsForStreamCommand({ StreamName: "tagged", Limit: 2 }));
      assert.deepEqual(first.Tags?.map((tag) => tag.Key), ["app:name", "cost"]);
      assert.equal(first.HasMoreTags, true);
      const second = await kinesis.send(
        new ListTagsForStreamCommand({ StreamARN: arnOf("tagged"), Limit: 2, ExclusiveStartTagKey: first.Tags!.at(-1)!.Key }),
      );
      assert.deepEqual(second.Tags?.map((tag) => tag.Key), ["env", "team"]);
      assert.equal(second.HasMoreTags, false);

      await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: "tagged", TagKeys: ["env", "not-there"] }));
      const after = await kinesis.send(new ListTagsForStreamCommand({ StreamName: "tagged" }));
      assert.deepEqual(after.Tags?.map((tag) => tag.Key), ["app:name", "cost", "team"]);
    });

    it("refuses more than 50 tags, and bad characters, in AWS's words", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "full", ShardCount: 1 }));
      const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${String(i).padStart(2, "0")}`, "v"]));
      await kinesis.send(new AddTagsToStreamCommand({ StreamName: "full", Tags: fifty }));
      await kinesis.send(new AddTagsToStreamCommand({ StreamName: "full", Tags: { k00: "overwriting is fine" } }));
      const tooMany = await awsError(kinesis.send(new AddTagsToStreamCommand({ StreamName: "full", Tags: { one: "more" } })), "InvalidArgumentException");
      assert.equal(
        tooMany.message,
        "Failed to add tags to stream full under account 000000000000 because a given stream cannot have more than 50 tags associated with it.",
      );
      const invalid = await awsError(kinesis.send(new AddTagsToStreamCommand({ StreamName: "full", Tags: { "a#b": "x" } })), "InvalidArgumentException");
      assert.equal(invalid.message, "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :.");
      const percent = await awsError(kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: "full", TagKeys: ["50%"] })), "InvalidArgumentException");
      assert.equal(
        percent.message,
        "Failed to remove tags from stream full under account 000000000000 because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.",
      );
      const empty = await awsError(kinesis.send(new AddTagsToStreamCommand({ StreamName: "full", Tags: {} })), "ValidationException");
      assert.equal(
        empty.message,
        "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
      const missing = await awsError(kinesis.send(new ListTagsForStreamCommand({ StreamName: "nope" })), "ResourceNotFoundException");
      assert.equal(missing.message, "Stream nope under account 000000000000 not found.");
    });

    it("tags streams and consumers by ARN", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "by-arn", ShardCount: 1 }));
      await kinesis.send(new TagResourceCommand({ ResourceARN: arnOf("by-arn"), Tags: { owner: "ops", tier: "1" } }));
      await kinesis.send(new UntagResourceCommand({ ResourceARN: arnOf("by-arn"), TagKeys: ["tier"] }));
      assert.deepEqual((await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arnOf("by-arn") }))).Tags, [{ Key: "owner", Value: "ops" }]);
      assert.deepEqual((await kinesis.send(new ListTagsForStreamCommand({ StreamName: "by-arn" }))).Tags, [{ Key: "owner", Value: "ops" }]);

      const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf("by-arn"), ConsumerName: "reader" }));
      const consumerArn = Consumer!.ConsumerARN!;
      await kinesis.send(new TagResourceCommand({ ResourceARN: consumerArn, Tags: { app: "reader", x: "y" } }));
      await kinesis.send(new UntagResourceCommand({ ResourceARN: consumerArn, TagKeys: ["x"] }));
      assert.deepEqual((await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: consumerArn }))).Tags, [{ Key: "app", Value: "reader" }]);
      // The consumer's tags are its own.
      assert.deepEqual((await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arnOf("by-arn") }))).Tags, [{ Key: "owner", Value: "ops" }]);

      const gone = await awsError(
        kinesis.send(new ListTagsForResourceCommand({ ResourceARN: `${arnOf("by-arn")}/consumer/ghost:1700000000` })),
        "ResourceNotFoundException",
      );
      assert.equal(gone.message, "Consumer ghost under stream by-arn and account 000000000000 not found.");
      await awsError(kinesis.send(new TagResourceCommand({ ResourceARN: arnOf("missing"), Tags: { a: "b" } })), "ResourceNotFoundException");
    });
  });
}
