/**
 * Parquet conversion off the event loop. Converting a 64–128 MiB buffer takes seconds of CPU; on the main thread that
 * would stall every request the server is answering meanwhile (Kinesis and Firehose alike). One worker thread per
 * process converts buffers one after another; the records travel as one copied ArrayBuffer (transferred, never
 * shared: record data are views on the log's read buffers), the object and the failures come back the same way.
 */
import type { GlueTable } from "../../config/config.js";
import { RequestThread } from "../../util/request-thread.js";
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

// A thread that dies fails what it was converting (the loop retries those buffers) and is replaced on next use.
const thread = new RequestThread<ConversionRequest, ConversionResponse, Pending>({
  url: new URL("./parquet-thread-main.js", import.meta.url),
  lostMessage: "the Parquet conversion thread stopped",
  answered(response, waiting) {
    if ("error" in response) {
      waiting.reject(new Error(`Parquet conversion failed: ${response.error}`));
      return;
    }
    waiting.resolve({
      body: response.body === null ? null : Buffer.from(response.body),
      failed: response.failed.map(({ record, ...failure }) => ({ ...failure, rawData: waiting.records[record]!.data })),
    });
  },
  lost: (error, waiting) => waiting.reject(error),
});

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
  const described = records.map(({ data: _, ...rest }) => rest);
  return new Promise((resolve, reject) => {
    thread.send((id) => ({ id, data: data.buffer, ends, records: described, settings, table, now }), { records, resolve, reject }, [data.buffer]);
  });
}
