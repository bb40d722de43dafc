/**
 * The MetadataExtraction processor (dynamic partitioning with inline parsing): a jq query, run on each JSON record,
 * gives the record's partition keys, e.g. `{customer_id: .customer_id, year: .ts | strftime("%Y")}`.
 *
 * jq runs in WebAssembly, where each call costs far more than the query itself, so the records of a read are run
 * through one call as a JSON array, each under its own `try`; a record that is not JSON, whose query fails, or
 * whose keys are not all strings or numbers fails alone (DynamicPartitioning.MetadataExtractionFailed).
 */
import type { Clock } from "../../util/clock.js";
import { type DeliveryRecord, type FailedRecord, failedOnce, type Processor } from "../pipeline.js";

/** Records per jq call: bounds the size of one call's input and output strings. */
const recordsPerCall = 1000;
const errorCode = "DynamicPartitioning.MetadataExtractionFailed";

type Extraction = { readonly keys: Record<string, string> } | { readonly error: string };

export function metadataExtractionProcessor(query: string, clock: Clock): Processor {
  // Each record's results come back as {"ok": [outputs…]} or {"error": message}, so one failure cannot hide others.
  const filter = `map(try {ok: [(${query})]} catch {error: tostring})`;
  return async (records) => {
    const delivered: DeliveryRecord[] = [];
    const failed: FailedRecord[] = [];
    for (let start = 0; start < records.length; start += recordsPerCall) {
      const chunk = records.slice(start, start + recordsPerCall);
      const extractions = await extract(chunk, filter);
      chunk.forEach((record, i) => {
        const extraction = extractions[i] as Extraction;
        if ("keys" in extraction) delivered.push({ ...record, partitionKeys: { ...record.partitionKeys, query: extraction.keys } });
        else failed.push(failure(record, extraction.error, clock));
      });
    }
    return { delivered, failed };
  };
}

async function extract(records: readonly DeliveryRecord[], filter: string): Promise<Extraction[]> {
  const texts = records.map((record) => record.data.toString("utf8"));
  const extractions: Extraction[] = texts.map((text) => (isJson(text) ? { keys: {} } : { error: "Non JSON record provided" }));
  const jsonIndexes = extractions.flatMap((extraction, i) => ("keys" in extraction ? [i] : []));
  if (jsonIndexes.length === 0) return extractions;
  // jq (WebAssembly) loads on first use: most servers never need it.
  const { raw: runJq } = await import("jq-wasm");
  let results: unknown[];
  try {
    results = JSON.parse(await runJq(`[${jsonIndexes.map((i) => texts[i]).join(",")}]`, filter, ["-c"])) as unknown[];
  } catch (error) {
    // The query itself does not compile: every record fails with jq's complaint.
    const message = `Failed to run the MetadataExtractionQuery: ${error instanceof Error ? error.message : String(error)}`;
    for (const i of jsonIndexes) extractions[i] = { error: message };
    return extractions;
  }
  jsonIndexes.forEach((recordIndex, i) => {
    extractions[recordIndex] = extractionOf(results[i]);
  });
  return extractions;
}

function extractionOf(result: unknown): Extraction {
  const { ok, error } = result as { ok?: unknown[]; error?: string };
  if (ok === undefined) return { error: `The MetadataExtractionQuery failed on the record: ${error ?? "no result"}` };
  const [output] = ok;
  if (ok.length !== 1 || typeof output !== "object" || output === null || Array.isArray(output)) {
    const gave = ok.map((o) => JSON.stringify(o)).join(", ") || "nothing";
    return { error: `The MetadataExtractionQuery must give one JSON object of partition keys; it gave ${gave}` };
  }
  const keys: Record<string, string> = {};
  for (const [key, value] of Object.entries(output as Record<string, unknown>)) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      return { error: `Partition key ${key} is ${value === null ? "null or missing" : "not a string or a number"} in the record` };
    }
    keys[key] = String(value);
  }
  return { keys };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function failure(record: DeliveryRecord, errorMessage: string, clock: Clock): FailedRecord {
  return failedOnce("partitioning-failed", record, errorCode, errorMessage, clock.now());
}
