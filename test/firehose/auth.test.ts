/** With `credentials` set, Firehose requests are SigV4-verified like Kinesis ones (signing name `firehose`). */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { FirehoseClient, ListDeliveryStreamsCommand } from "@aws-sdk/client-firehose";
import { awsError } from "../support/kinesis.js";
import { firehoseClient } from "../support/firehose.js";
import { startServer } from "../support/server.js";
import { tempDir } from "../support/temp-dir.js";

test("Firehose requests are verified against the credentials file", async () => {
  const dir = await tempDir();
  const file = join(dir, "credentials");
  await writeFile(file, "AKIDFRESHET:freshet-secret\n");
  const server = await startServer({ credentials: file });
  const listed = await firehoseClient(server.endpoint).send(new ListDeliveryStreamsCommand({}));
  assert.deepEqual(listed.DeliveryStreamNames, []);
  const wrong = new FirehoseClient({
    endpoint: server.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDFRESHET", secretAccessKey: "not-the-secret" },
    maxAttempts: 1,
  });
  after(() => wrong.destroy());
  await awsError(wrong.send(new ListDeliveryStreamsCommand({})), "InvalidSignatureException");
});
