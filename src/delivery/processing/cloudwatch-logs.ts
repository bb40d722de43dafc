/**
 * The processors for records a CloudWatch Logs subscription sends: Decompression (the records are gzip'd) and
 * CloudWatchLogProcessing, which with DataMessageExtraction keeps only the log events' messages, one per line,
 * and drops CONTROL_MESSAGE records. Records that are not gzip'd, or not a subscription's JSON, pass unchanged.
 */
import { gunzipSync } from "node:zlib";
import type { DeliveryRecord, ProcessingOutcome } from "../pipeline.js";

const gzipMagic = Buffer.from([0x1f, 0x8b]);

export async function decompressRecords(records: readonly DeliveryRecord[]): Promise<ProcessingOutcome> {
  return { delivered: records.map((record) => ({ ...record, data: gunzipped(record.data) ?? record.data })), failed: [] };
}

function gunzipped(data: Buffer): Buffer | null {
  if (!data.subarray(0, 2).equals(gzipMagic)) return null;
  try {
    return gunzipSync(data);
  } catch {
    return null;
  }
}

export async function extractLogMessages(records: readonly DeliveryRecord[]): Promise<ProcessingOutcome> {
  const delivered: DeliveryRecord[] = [];
  for (const record of records) {
    const payload = subscriptionPayload(record.data);
    if (payload === null) delivered.push(record);
    else if (payload.messageType === "DATA_MESSAGE") {
      delivered.push({ ...record, data: Buffer.from(payload.logEvents.map((event) => `${event.message}\n`).join("")) });
    }
  }
  return { delivered, failed: [] };
}

interface SubscriptionPayload {
  readonly messageType: string;
  readonly logEvents: ReadonlyArray<{ readonly message: string }>;
}

function subscriptionPayload(data: Buffer): SubscriptionPayload | null {
  try {
    const payload: unknown = JSON.parse(data.toString("utf8"));
    if (typeof payload !== "object" || payload === null) return null;
    const { messageType, logEvents } = payload as Record<string, unknown>;
    if (typeof messageType !== "string") return null;
    if (messageType !== "DATA_MESSAGE") return { messageType, logEvents: [] };
    const messages = Array.isArray(logEvents) && logEvents.every((event) => typeof (event as { message?: unknown })?.message === "string");
    if (!messages) return null;
    return { messageType, logEvents: logEvents as SubscriptionPayload["logEvents"] };
  } catch {
    return null;
  }
}
