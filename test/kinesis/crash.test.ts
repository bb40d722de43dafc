/** kill -9 under PutRecords load: every record the SDK saw acknowledged is there after a restart, once. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { exitOf, startCli } from "../support/cli.js";
import { kinesisClient } from "../support/kinesis.js";
import { tempDir } from "../support/temp-dir.js";

it("keeps every acknowledged record through kill -9", async () => {
  const dataDir = join(await tempDir(), "data");
  const acknowledged = new Map<string, string>();
  for (let round = 0; round < 3; round++) {
    const server = await startCli(["--data-dir", dataDir, "--limits", "off"]);
    const kinesis = kinesisClient(server.endpoint, round % 2 === 0 ? "h2" : "http1");
    if (round === 0) await kinesis.send(new CreateStreamCommand({ StreamName: "durable", ShardCount: 2 }));
    let sent = 0;
    let firstAcknowledged!: () => void;
    const acknowledgedOnce = new Promise<void>((resolve) => (firstAcknowledged = resolve));
    const producer = async (id: number) => {
      for (let batch = 0; batch < 200; batch++) {
        const payloads = Array.from({ length: 50 }, (_, i) => `r${round}-p${id}-b${batch}-i${i}-${"x".repeat(i * 7)}`);
        sent += payloads.length;
        const result = await kinesis.send(
          new PutRecordsCommand({ StreamName: "durable", Records: payloads.map((p, i) => ({ PartitionKey: `${id}-${i}`, Data: Buffer.from(p) })) }),
        );
        result.Records!.forEach((record, i) => {
          if (record.SequenceNumber !== undefined) acknowledged.set(`${record.ShardId}/${record.SequenceNumber}`, payloads[i]!);
        });
        firstAcknowledged();
      }
    };
    const load = Promise.allSettled([0, 1, 2, 3].map(producer));
    // Kill at a random moment once records are being acknowledged.
    await Promise.race([acknowledgedOnce, load]);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
    server.child.kill("SIGKILL");
    await exitOf(server.child);
    await load;
    assert.ok(sent > 0);
  }
  assert.ok(acknowledged.size > 0, "some records were acknowledged before the kills");

  const server = await startCli(["--data-dir", dataDir, "--limits", "off"]);
  const kinesis = kinesisClient(server.endpoint);
  const seen = new Map<string, string>();
  for (const shardId of ["shardId-000000000000", "shardId-000000000001"]) {
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: "durable", ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" })))
      .ShardIterator;
    for (let page = 0; page < 1000 && iterator !== undefined; page++) {
      const read = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of read.Records!) {
        const key = `${shardId}/${record.SequenceNumber}`;
        assert.ok(!seen.has(key), `${key} read twice`);
        seen.set(key, Buffer.from(record.Data!).toString());
      }
      if (read.Records!.length === 0) break;
      iterator = read.NextShardIterator;
    }
  }
  for (const [key, payload] of acknowledged) assert.equal(seen.get(key), payload, `acknowledged record ${key} survived intact`);
  server.child.kill("SIGTERM");
  assert.equal(await exitOf(server.child), 0);
});
