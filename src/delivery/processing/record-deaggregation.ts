/**
 * The RecordDeAggregation processor: splits a record holding several records into them, either consecutive JSON
 * objects (`{"a":1}{"a":2}` or one per line; not a JSON array) or pieces between a delimiter (given base64 in the
 * `Delimiter` parameter). A record that does not split cleanly, or would split into more than 500, passes whole, as
 * in AWS (where MetadataExtraction then refuses it as non-JSON).
 */
import { firehoseProcessingLimits } from "../../config/limits.js";
import type { DeliveryRecord, Processor } from "../pipeline.js";

export function recordDeaggregationProcessor(
  subRecordType: "JSON" | "DELIMITED",
  delimiter: Buffer | null,
): Processor {
  const split = subRecordType === "JSON" ? splitJsonObjects : (data: Buffer) => splitDelimited(data, delimiter as Buffer);
  return async (records) => ({
    delivered: records.flatMap((record) => {
      const pieces = split(record.data);
      if (pieces === null || pieces.length > firehoseProcessingLimits.deaggregationMaxSubRecords) return [record];
      return pieces.map((data) => ({ ...record, data }));
    }),
    failed: [],
  });
}

const openBrace = 0x7b;
const closeBrace = 0x7d;
const quote = 0x22;
const backslash = 0x5c;
const whitespace = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Consecutive top-level JSON objects, separated by nothing or white space; null if the data is anything else. */
function splitJsonObjects(data: Buffer): Buffer[] | null {
  const objects: Buffer[] = [];
  let i = 0;
  while (i < data.length) {
    if (whitespace.has(data[i] as number)) {
      i++;
      continue;
    }
    if (data[i] !== openBrace) return null;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < data.length; i++) {
      const byte = data[i];
      if (inString) {
        if (byte === backslash) i++;
        else if (byte === quote) inString = false;
      } else if (byte === quote) inString = true;
      else if (byte === openBrace) depth++;
      else if (byte === closeBrace && --depth === 0) break;
    }
    if (depth !== 0) return null;
    const object = data.subarray(start, ++i);
    if (!isJson(object)) return null;
    objects.push(object);
  }
  return objects;
}

function isJson(data: Buffer): boolean {
  try {
    JSON.parse(data.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

/** The non-empty pieces between delimiters. */
function splitDelimited(data: Buffer, delimiter: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (let at = data.indexOf(delimiter, start); at !== -1; at = data.indexOf(delimiter, start)) {
    if (at > start) pieces.push(data.subarray(start, at));
    start = at + delimiter.length;
  }
  if (start < data.length) pieces.push(data.subarray(start));
  return pieces;
}
