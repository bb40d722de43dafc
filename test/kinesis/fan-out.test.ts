/**
 * SubscribeToShard end to end: the AWS SDK v3's SubscribeToShardCommand over its default HTTP/2 handler (and over
 * HTTP/1.1), iterating `EventStream`; and a raw HTTP/2 request with a CBOR body, its event-stream frames read
 * byte by byte. Time is a ManualClock; the heartbeat is shortened where a test needs idle events, and set an hour
 * apart where a test shows records are pushed (they could not arrive otherwise before the test's timeout).
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import { describe, it } from "node:test";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamCommand,
  DescribeStreamConsumerCommand,
  type KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
} from "@aws-sdk/client-kinesis";
import { Decoder, encode, Tag } from "cbor-x";
import { ManualClock } from "../support/clock.js";
import { takeMessages } from "../support/event-stream.js";
import { awsError, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";

const shard0 = "shardId-000000000000";
const hour = 3_600_000;
/** Long enough for any of these tests on a loaded machine; a record that is not pushed never arrives in it. */
const timeout = 20_000;

/** A subscription's events; `close` cancels it as a client does (the SDK's HTTP/2 handler resets the stream). */
type Events = AsyncIterator<SubscribeToShardEventStream> & { close(): void };

async function setUp(kinesis: KinesisClient, stream: string, shardCount = 1): Promise<string> {
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shardCount }));
  const streamArn = (await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription!.StreamARN!;
  const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "fan" }));
  return Consumer!.ConsumerARN!;
}

async function subscribe(kinesis: KinesisClient, consumerArn: string, position: StartingPosition, shardId = shard0): Promise<Events> {
  const cancel = new AbortController();
  const { EventStream } = await kinesis.send(
    new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: position }),
    { abortSignal: cancel.signal },
  );
  return Object.assign(EventStream![Symbol.asyncIterator](), { close: () => cancel.abort() });
}

async function nextEvent(events: Events): Promise<SubscribeToShardEvent> {
  const next = await events.next();
  assert.equal(next.done, false, "the subscription ended early");
  assert.ok(next.value.SubscribeToShardEvent, `expected a SubscribeToShardEvent, got ${JSON.stringify(next.value)}`);
  return next.value.SubscribeToShardEvent;
}

/** Events until `count` records have come (at most `maxEvents` events); the records and the last event. */
async function takeRecords(events: Events, count: number, maxEvents = count + 1) {
  const records: NonNullable<SubscribeToShardEvent["Records"]> = [];
  let last: SubscribeToShardEvent | undefined;
  for (let i = 0; i < maxEvents && records.length < count; i++) {
    last = await nextEvent(events);
    records.push(...last.Records!);
  }
  assert.equal(records.length, count, `${count} records within ${maxEvents} events`);
  return { records, last: last! };
}

const text = (records: NonNullable<SubscribeToShardEvent["Records"]>) => records.map((r) => Buffer.from(r.Data!).toString());

describe("SubscribeToShard", async () => {
  const clock = new ManualClock(Date.UTC(2026, 3, 1, 8));
  const server = await startServer({}, clock, { subscriptions: { heartbeatMs: hour } });
  const kinesis = kinesisClient(server.endpoint);
  const put = (stream: string, data: string) =>
    kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from(data) }));

  it("pushes records put after subscribing, in order and byte for byte", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "push");
    const shard = (await kinesis.send(new DescribeStreamCommand({ StreamName: "push" }))).StreamDescription!.Shards![0]!;
    const events = await subscribe(kinesis, consumerArn, { Type: "LATEST" });
    const first = await nextEvent(events);
    assert.deepEqual(first.Records, []);
    assert.equal(first.ContinuationSequenceNumber, shard.SequenceNumberRange!.StartingSequenceNumber);
    assert.equal(first.MillisBehindLatest, 0);

    const payloads = [Buffer.from("first"), Buffer.from([0, 1, 2, 253, 254, 255]), Buffer.alloc(0), Buffer.alloc(70_000, 7)];
    const one = await kinesis.send(new PutRecordCommand({ StreamName: "push", PartitionKey: "p0", Data: payloads[0] }));
    const got = await takeRecords(events, 1);
    assert.equal(got.records[0]!.SequenceNumber, one.SequenceNumber);
    const batch = await kinesis.send(
      new PutRecordsCommand({ StreamName: "push", Records: payloads.slice(1).map((Data, i) => ({ PartitionKey: `p${i + 1}`, Data })) }),
    );
    const rest = await takeRecords(events, 3);
    assert.deepEqual(
      rest.records.map((r) => r.SequenceNumber),
      batch.Records!.map((r) => r.SequenceNumber),
    );
    const all = [...got.records, ...rest.records];
    assert.deepEqual(
      all.map((r) => Buffer.from(r.Data!).toString("hex")),
      payloads.map((p) => p.toString("hex")),
    );
    assert.deepEqual(
      all.map((r) => r.PartitionKey),
      ["p0", "p1", "p2", "p3"],
    );
    assert.ok(all.every((r) => r.ApproximateArrivalTimestamp?.getTime() === clock.now()));
    assert.equal(rest.last.ContinuationSequenceNumber, batch.Records!.at(-1)!.SequenceNumber);
    assert.equal(rest.last.MillisBehindLatest, 0);
    events.close();
  });

  it("continues after a ContinuationSequenceNumber with nothing lost or repeated", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "resume");
    // A shard that never had a record: resuming after its continuation must still see the first record.
    let events = await subscribe(kinesis, consumerArn, { Type: "TRIM_HORIZON" });
    const empty = await nextEvent(events);
    events.close();
    for (const data of ["r0", "r1", "r2"]) await put("resume", data);

    clock.advance(5000);
    events = await subscribe(kinesis, consumerArn, { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: empty.ContinuationSequenceNumber });
    const firstPart = await takeRecords(events, 3);
    assert.deepEqual(text(firstPart.records), ["r0", "r1", "r2"]);
    events.close();
    for (const data of ["r3", "r4"]) await put("resume", data);

    clock.advance(5000);
    events = await subscribe(kinesis, consumerArn, { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: firstPart.last.ContinuationSequenceNumber });
    const secondPart = await takeRecords(events, 2);
    assert.deepEqual(text(secondPart.records), ["r3", "r4"]);
    events.close();
  });

  it("starts where StartingPosition says, as GetShardIterator does", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "positions");
    const a = await put("positions", "a");
    const b = await put("positions", "b");
    await put("positions", "c");
    clock.advance(1000);
    const later = clock.now();
    await put("positions", "d");

    const startAt = async (position: StartingPosition) => {
      clock.advance(5000);
      const events = await subscribe(kinesis, consumerArn, position);
      const records = (await nextEvent(events)).Records!;
      events.close();
      return text(records);
    };
    assert.deepEqual(await startAt({ Type: "TRIM_HORIZON" }), ["a", "b", "c", "d"]);
    assert.deepEqual(await startAt({ Type: "AT_SEQUENCE_NUMBER", SequenceNumber: b.SequenceNumber }), ["b", "c", "d"]);
    assert.deepEqual(await startAt({ Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: b.SequenceNumber }), ["c", "d"]);
    assert.deepEqual(await startAt({ Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: a.SequenceNumber }), ["b", "c", "d"]);
    assert.deepEqual(await startAt({ Type: "AT_TIMESTAMP", Timestamp: new Date(later) }), ["d"]);
    assert.deepEqual(await startAt({ Type: "LATEST" }), []);

    clock.advance(5000);
    await awsError(subscribe(kinesis, consumerArn, { Type: "AT_SEQUENCE_NUMBER" }), "InvalidArgumentException");
    await awsError(subscribe(kinesis, consumerArn, { Type: "AT_TIMESTAMP", Timestamp: new Date(clock.now() + 60_000) }), "InvalidArgumentException");
  });

  it("refuses a second subscription within five seconds; a later one takes over", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "takeover");
    const first = await subscribe(kinesis, consumerArn, { Type: "LATEST" });
    await nextEvent(first);
    clock.advance(4999);
    const refused = await awsError(subscribe(kinesis, consumerArn, { Type: "LATEST" }), "ResourceInUseException");
    assert.equal(refused.message, "Another active subscription exists for this consumer: 000000000000:takeover:shardId-000000000000:fan");

    clock.advance(1);
    const second = await subscribe(kinesis, consumerArn, { Type: "LATEST" });
    await awsError(first.next(), "ResourceInUseException");
    await nextEvent(second);
    await put("takeover", "for the second");
    assert.deepEqual(text((await takeRecords(second, 1)).records), ["for the second"]);

    // Closed by the client, it no longer blocks anyone; but calls stay limited to one a second.
    second.close();
    await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    await awsError(subscribe(kinesis, consumerArn, { Type: "LATEST" }), "LimitExceededException");
    clock.advance(1000);
    const third = await subscribe(kinesis, consumerArn, { Type: "LATEST" });
    await nextEvent(third);
    third.close();
  });

  it("is ended by deregistering its consumer or deleting its stream", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "ending");
    const events = await subscribe(kinesis, consumerArn, { Type: "LATEST" });
    await nextEvent(events);
    await kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerArn }));
    await awsError(events.next(), "ResourceNotFoundException");

    const streamArn = (await kinesis.send(new DescribeStreamCommand({ StreamName: "ending" }))).StreamDescription!.StreamARN!;
    const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "other" }));
    const again = await subscribe(kinesis, Consumer!.ConsumerARN!, { Type: "LATEST" });
    await nextEvent(again);
    await kinesis.send(new DeleteStreamCommand({ StreamName: "ending", EnforceConsumerDeletion: true }));
    const gone = await awsError(again.next(), "ResourceNotFoundException");
    assert.equal(gone.message, "Stream ending under account 000000000000 not found.");
  });

  it("delivers a closed shard's end: ChildShards and no ContinuationSequenceNumber", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "closed");
    await put("closed", "before the split");
    await kinesis.send(new SplitShardCommand({ StreamName: "closed", ShardToSplit: shard0, NewStartingHashKey: (1n << 127n).toString() }));
    const events = await subscribe(kinesis, consumerArn, { Type: "TRIM_HORIZON" });
    const last = await nextEvent(events);
    assert.deepEqual(text(last.Records!), ["before the split"]);
    assert.equal(last.ContinuationSequenceNumber, undefined);
    assert.deepEqual(
      last.ChildShards?.map((child) => [child.ShardId, child.ParentShards]),
      [
        ["shardId-000000000001", [shard0]],
        ["shardId-000000000002", [shard0]],
      ],
    );
    assert.equal((await events.next()).done, true);
  });

  it("refuses what it cannot subscribe to before answering", async () => {
    const consumerArn = await setUp(kinesis, "refusals");
    await awsError(subscribe(kinesis, consumerArn, { Type: "LATEST" }, "shardId-000000000009"), "ResourceNotFoundException");
    await awsError(subscribe(kinesis, `${consumerArn.split(":").slice(0, -1).join(":")}:1`, { Type: "LATEST" }), "ResourceNotFoundException");
    await awsError(subscribe(kinesis, "arn:aws:kinesis:us-east-1:000000000000:stream/x", { Type: "LATEST" }), "ValidationException");
  });
});

describe("SubscribeToShard over time", async () => {
  const clock = new ManualClock(Date.UTC(2026, 3, 1, 8));
  const server = await startServer({}, clock, { subscriptions: { heartbeatMs: 20 } });
  const kinesis = kinesisClient(server.endpoint);

  it("sends an event every heartbeat while the shard is idle", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "idle");
    await kinesis.send(new PutRecordCommand({ StreamName: "idle", PartitionKey: "k", Data: Buffer.from("x") }));
    const events = await subscribe(kinesis, consumerArn, { Type: "TRIM_HORIZON" });
    const first = await nextEvent(events);
    assert.equal(first.Records?.length, 1);
    for (let i = 0; i < 3; i++) {
      const heartbeat = await nextEvent(events);
      assert.deepEqual(heartbeat.Records, []);
      assert.equal(heartbeat.ContinuationSequenceNumber, first.ContinuationSequenceNumber);
      assert.equal(heartbeat.MillisBehindLatest, 0);
    }
    events.close();
  });

  it("ends cleanly once five minutes have passed", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "lifetime");
    const events = await subscribe(kinesis, consumerArn, { Type: "LATEST" });
    await nextEvent(events);
    clock.advance(5 * 60_000);
    let done = false;
    for (let i = 0; i < 1000 && !done; i++) done = (await events.next()).done === true;
    assert.ok(done, "the subscription ended");
  });

  it("notices at the next heartbeat that a reshard closed its shard", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "live-split");
    const events = await subscribe(kinesis, consumerArn, { Type: "LATEST" });
    await nextEvent(events);
    await kinesis.send(new SplitShardCommand({ StreamName: "live-split", ShardToSplit: shard0, NewStartingHashKey: "12345" }));
    let end: SubscribeToShardEvent | undefined;
    for (let i = 0; i < 1000 && end === undefined; i++) {
      const event = await nextEvent(events);
      if (event.ChildShards !== undefined) end = event;
    }
    assert.equal(end?.ContinuationSequenceNumber, undefined);
    assert.equal(end?.ChildShards?.length, 2);
    assert.equal((await events.next()).done, true);
  });

  it("works over HTTP/1.1 (chunked) too", { timeout }, async () => {
    const http1 = kinesisClient(server.endpoint, "http1");
    const consumerArn = await setUp(http1, "chunked");
    const events = await subscribe(http1, consumerArn, { Type: "LATEST" });
    await nextEvent(events);
    await http1.send(new PutRecordCommand({ StreamName: "chunked", PartitionKey: "k", Data: Buffer.from("over http/1.1") }));
    assert.deepEqual(text((await takeRecords(events, 1, 1000)).records), ["over http/1.1"]);
    events.close();
  });
});

describe("SubscribeToShard and shutdown", async () => {
  const server = await startServer({}, undefined, { subscriptions: { heartbeatMs: hour } });
  const kinesis = kinesisClient(server.endpoint);

  it("ends subscriptions cleanly when the server stops, without waiting out the grace period", { timeout: 8000 }, async () => {
    const consumerArn = await setUp(kinesis, "shutdown");
    const events = await subscribe(kinesis, consumerArn, { Type: "LATEST" });
    await nextEvent(events);
    const next = events.next();
    await server.stop();
    assert.equal((await next).done, true);
  });
});

describe("SubscribeToShard over CBOR", async () => {
  const server = await startServer({}, undefined, { subscriptions: { heartbeatMs: hour } });
  const kinesis = kinesisClient(server.endpoint);
  const cbor = new Decoder({ useRecords: false, mapsAsObjects: true });

  it("streams CBOR events: byte strings, tag-1 millisecond timestamps, exceptions", { timeout }, async () => {
    const consumerArn = await setUp(kinesis, "java");
    const since = Date.now() - 1000;
    const payload = Buffer.from([0xca, 0xfe, 0x00, 0xff]);
    await kinesis.send(new PutRecordCommand({ StreamName: "java", PartitionKey: "pk", Data: payload }));

    const session = http2.connect(server.endpoint);
    try {
      const request = session.request({
        ":method": "POST",
        ":path": "/",
        "content-type": "application/x-amz-cbor-1.1",
        "x-amz-target": "Kinesis_20131202.SubscribeToShard",
      });
      request.end(encode({ ConsumerARN: consumerArn, ShardId: shard0, StartingPosition: { Type: "AT_TIMESTAMP", Timestamp: new Tag(since, 1) } }));
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => request.once("response", resolve));
      assert.equal(headers[":status"], 200);
      assert.equal(headers["content-type"], "application/vnd.amazon.eventstream");
      assert.equal(headers["content-length"], undefined);

      let buffered: Buffer = Buffer.alloc(0);
      const received: ReturnType<typeof takeMessages>["messages"] = [];
      let arrived = (): void => undefined;
      request.on("data", (chunk: Buffer) => {
        const taken = takeMessages(Buffer.concat([buffered, chunk]));
        buffered = taken.rest;
        received.push(...taken.messages);
        arrived();
      });
      const ended = new Promise<void>((resolve) => request.once("close", resolve));
      /** Until `count` messages have come; bounded by the stream's end and the test's timeout. */
      const until = async (count: number) => {
        while (received.length < count) {
          const more = new Promise<void>((resolve) => (arrived = resolve));
          if ((await Promise.race([more.then(() => "more"), ended.then(() => "ended")])) === "ended" && received.length < count) {
            assert.fail(`the stream ended after ${received.length} messages`);
          }
        }
      };
      await until(2);
      const [initial, event] = received as [(typeof received)[0], (typeof received)[0]];
      assert.deepEqual(initial.headers, {
        ":event-type": "initial-response",
        ":content-type": "application/x-amz-cbor-1.1",
        ":message-type": "event",
      });
      assert.deepEqual(cbor.decode(initial.payload), {});
      assert.equal(event.headers[":event-type"], "SubscribeToShardEvent");
      assert.equal(event.headers[":message-type"], "event");
      const body = cbor.decode(event.payload) as Record<string, any>;
      const record = body.Records[0];
      assert.ok(record.Data instanceof Uint8Array, "Data is a CBOR byte string");
      assert.deepEqual([...record.Data], [...payload]);
      // cbor-x reads tag 1 as seconds, so a millisecond value comes back 1000 times too large.
      const arrivalMs = (record.ApproximateArrivalTimestamp as Date).getTime() / 1000;
      assert.ok(Number.isInteger(arrivalMs) && arrivalMs >= since, `tag 1 holds integer epoch milliseconds (${arrivalMs})`);
      assert.match(body.ContinuationSequenceNumber, /^\d{56}$/);
      assert.equal(body.MillisBehindLatest, 0);

      await kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerArn }));
      await until(3);
      const exception = received[2]!;
      assert.equal(exception.headers[":message-type"], "exception");
      assert.equal(exception.headers[":exception-type"], "ResourceNotFoundException");
      assert.equal(exception.headers[":content-type"], "application/x-amz-cbor-1.1");
      assert.match((cbor.decode(exception.payload) as { message: string }).message, /^Consumer fan under stream java/);
    } finally {
      session.close();
    }
  });
});
