/** The Parquet conversion thread (see parquet-thread.ts): converts each buffer it is sent, one at a time. */
import { parentPort } from "node:worker_threads";
import type { DeliveryRecord } from "../pipeline.js";
import { convertToParquet } from "./parquet.js";
import type { ConversionRequest, ConversionResponse } from "./parquet-thread.js";

parentPort!.on("message", (request: ConversionRequest) => {
  void answer(request).then((response) => {
    const body = "body" in response ? response.body : null;
    parentPort!.postMessage(response, body === null ? [] : [body]);
  });
});

async function answer(request: ConversionRequest): Promise<ConversionResponse> {
  try {
    const records: DeliveryRecord[] = request.records.map((record, i) => ({
      ...record,
      data: Buffer.from(request.data, i === 0 ? 0 : request.ends[i - 1]!, request.ends[i]! - (i === 0 ? 0 : request.ends[i - 1]!)),
    }));
    const indexOf = new Map(records.map((record, i) => [record.data, i]));
    const { body, failed } = await convertToParquet(records, request.settings, request.table, request.now);
    // A body of its own, so transferring it detaches nothing else.
    const own = body === null ? null : new Uint8Array(body).slice().buffer;
    return {
      id: request.id,
      body: own,
      failed: failed.map(({ rawData, ...failure }) => ({ ...failure, record: indexOf.get(rawData)! })),
    };
  } catch (error) {
    return { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}
