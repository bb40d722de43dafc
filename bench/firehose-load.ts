/**
 * The load generator of the firehose suite (firehose.ts), in its own process: the AWS SDK v3 Firehose client
 * (its default HTTP/2 handler) creates a Firehose stream and drives PutRecordBatch of N JSON records of about a
 * given size, C calls in flight, for a fixed time. The result is printed as JSON (lib/child.ts).
 */
import { CreateDeliveryStreamCommand, type CreateDeliveryStreamInput, FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { childMain } from "./lib/child.js";

export interface IngestTask {
  readonly endpoint: string;
  /** The CreateDeliveryStream request for the stream under test. */
  readonly create: CreateDeliveryStreamInput;
  readonly recordsPerCall: number;
  readonly recordBytes: number;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface IngestResult {
  readonly calls: number;
  readonly records: number;
  /** Record data of the measured calls. */
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  readonly failedRecords: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** Records acknowledged in all, warm-up included: what the destination should hold. */
  readonly totalRecords: number;
}

/** One JSON line of about `bytes` bytes, every record different, in the columns the Parquet case declares. */
function jsonRecord(id: number, bytes: number): Buffer {
  const head = { id, user: `user-${id % 1000}`, event: id % 3 === 0 ? "purchase" : "click", ts: new Date(1_700_000_000_000 + id).toISOString(), value: id / 7 };
  const base = JSON.stringify({ ...head, payload: "" });
  const payload = "x".repeat(Math.max(0, bytes - base.length - 1));
  return Buffer.from(`${JSON.stringify({ ...head, payload })}\n`);
}

async function ingest(task: IngestTask): Promise<IngestResult> {
  const client = new FirehoseClient({
    endpoint: task.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench" },
    maxAttempts: 1,
  });
  await client.send(new CreateDeliveryStreamCommand(task.create));
  const name = task.create.DeliveryStreamName!;
  let nextId = 0;
  const batch = () => Array.from({ length: task.recordsPerCall }, () => ({ Data: jsonRecord(nextId++, task.recordBytes) }));
  const latenciesMs: number[] = [];
  let calls = 0;
  let records = 0;
  let bytes = 0;
  let failedRecords = 0;
  let errors = 0;
  let totalRecords = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const measureFrom = started + task.warmupMs;
  const stopAt = measureFrom + task.durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      const entries = batch();
      const sent = performance.now();
      try {
        const answer = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: entries }));
        const failed = answer.FailedPutCount ?? 0;
        totalRecords += entries.length - failed;
        if (sent >= measureFrom) {
          latenciesMs.push(performance.now() - sent);
          calls++;
          records += entries.length - failed;
          bytes += entries.reduce((sum, entry) => sum + entry.Data.length, 0);
          failedRecords += failed;
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, worker));
  const elapsedMs = performance.now() - measureFrom;
  client.destroy();
  return { calls, records, bytes, elapsedMs, latenciesMs, failedRecords, errors, firstError, totalRecords };
}

childMain(ingest);
