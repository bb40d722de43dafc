/**
 * Parquet conversion off the event loop. Converting a 64–128 MiB buffer takes seconds of CPU; on the main thread that
 * would stall every request the server is answering meanwhile (Kinesis and Firehose alike). One worker thread per
 * process converts buffers one after another; the records travel as one copied ArrayBuffer (transferred, never
 * shared: record data are views on the log's read buffers), the object and the failures come back the same way.
 */
import { Worker } from "node:worker_threads";
import type { GlueTable } from "../../config/config.js";
import type { DeliveryRecord, FailedRecord } from "../pipeline.js";
import type { FormatConversionSettings } from "./parquet.js";

/** What the worker (parquet-thread-main.ts) is asked. */
export interface ConversionRequest {
  readonly id: number;
  /** Every record's data, one after another; record i spans ends[i-1] (or 0) to ends[i]. */
  readonly data: ArrayBuffer;
  readonly ends: readonly number[];
  readonly records: ReadonlyArray<Omit<DeliveryRecord, "data">>;
  readonly settings: FormatConversionSettings;
  readonly table: GlueTable;
  readonly now: number;
}

/** What the worker answers: the object, and each failure with the index of its record instead of its data. */
export type ConversionResponse =
  | {
      readonly id: number;
      readonly body: ArrayBuffer | null;
      readonly failed: ReadonlyArray<Omit<FailedRecord, "rawData"> & { readonly record: number }>;
    }
  | { readonly id: number; readonly error: string };

interface Pending {
  readonly records: readonly DeliveryRecord[];
  resolve(result: { body: Buffer | null; failed: FailedRecord[] }): void;
  reject(error: Error): void;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

/** convertToParquet, on the conversion thread. */
export function convertToParquetOffThread(
  records: readonly DeliveryRecord[],
  settings: FormatConversionSettings,
  table: GlueTable,
  now: number,
): Promise<{ body: Buffer | null; failed: FailedRecord[] }> {
  const ends: number[] = [];
  let total = 0;
  for (const record of records) ends.push((total += record.data.length));
  const data = new Uint8Array(total);
  let at = 0;
  for (const record of records) {
    data.set(record.data, at);
    at += record.data.length;
  }
  const id = nextId++;
  const request: ConversionRequest = { id, data: data.buffer, ends, records: records.map(({ data: _, ...rest }) => rest), settings, table, now };
  return new Promise((resolve, reject) => {
    pending.set(id, { records, resolve, reject });
    const thread = conversionThread();
    // Held while it works (a caller is waiting on it), let go when idle, so it never keeps a process alive.
    thread.ref();
    thread.postMessage(request, [data.buffer]);
  });
}

function conversionThread(): Worker {
  if (worker !== null) return worker;
  const started = new Worker(new URL("./parquet-thread-main.js", import.meta.url));
  started.unref();
  started.on("message", (response: ConversionResponse) => {
    const waiting = pending.get(response.id);
    if (waiting === undefined) return;
    pending.delete(response.id);
    if (pending.size === 0) started.unref();
    if ("error" in response) {
      waiting.reject(new Error(`Parquet conversion failed: ${response.error}`));
      return;
    }
    waiting.resolve({
      body: response.body === null ? null : Buffer.from(response.body),
      failed: response.failed.map(({ record, ...failure }) => ({ ...failure, rawData: waiting.records[record]!.data })),
    });
  });
  // A thread that dies fails what it was converting (the loop retries those buffers) and is replaced on next use.
  const lost = (error: Error): void => {
    if (worker === started) worker = null;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  started.on("error", lost);
  started.on("exit", (code) => lost(new Error(`the Parquet conversion thread exited (${code})`)));
  worker = started;
  return started;
}
