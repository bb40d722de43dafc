/** kill -9 during control-plane changes: every acknowledged change is there after a restart. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { AddTagsToStreamCommand, CreateStreamCommand, ListStreamsCommand, ListTagsForStreamCommand } from "@aws-sdk/client-kinesis";
import { exitOf, startCli } from "../support/cli.js";
import { kinesisClient } from "../support/kinesis.js";
import { tempDir } from "../support/temp-dir.js";

it("keeps every acknowledged CreateStream and AddTagsToStream through kill -9", async () => {
  const dataDir = join(await tempDir(), "data");
  const created: string[] = [];
  const tagged = new Map<string, string>();
  let firstAcknowledged!: () => void;
  const acknowledged = new Promise<void>((resolve) => (firstAcknowledged = resolve));
  const server = await startCli(["--data-dir", dataDir]);
  const kinesis = kinesisClient(server.endpoint);
  const worker = async (id: number) => {
    for (let n = 0; n < 500; n++) {
      const name = `w${id}-s${n}`;
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      created.push(name);
      await kinesis.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { round: String(n) } }));
      tagged.set(name, String(n));
      firstAcknowledged();
    }
  };
  const load = Promise.allSettled([worker(0), worker(1)]);
  // Kill at a random moment once changes are being acknowledged.
  await Promise.race([acknowledged, load]);
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
  server.child.kill("SIGKILL");
  await exitOf(server.child);
  await load;
  assert.ok(created.length > 0, "some streams were created before the kill");

  const restarted = await startCli(["--data-dir", dataDir]);
  const after = kinesisClient(restarted.endpoint);
  const names = new Set<string>();
  let page = await after.send(new ListStreamsCommand({ Limit: 1000 }));
  for (let pages = 0; pages < 100; pages++) {
    for (const name of page.StreamNames ?? []) names.add(name);
    if (!page.HasMoreStreams) break;
    page = await after.send(new ListStreamsCommand({ Limit: 1000, NextToken: page.NextToken }));
  }
  for (const name of created) assert.ok(names.has(name), `acknowledged stream ${name} survived`);
  for (const [name, round] of tagged) {
    const { Tags } = await after.send(new ListTagsForStreamCommand({ StreamName: name }));
    assert.deepEqual(Tags, [{ Key: "round", Value: round }], `acknowledged tags of ${name} survived`);
  }
  restarted.child.kill("SIGTERM");
  assert.equal(await exitOf(restarted.child), 0);
});
