/**
 * Records Firehose could not deliver as configured, written under the error output prefix: one object per failure
 * kind and batch, one JSON document per line, in the record format AWS documents for each kind. Format conversion
 * failures name their code and message `lastErrorCode`/`lastErrorMessage`; the other kinds `errorCode`/`errorMessage`.
 */
import type { ErrorOutputType, FailedRecord } from "./pipeline.js";

export function failureDocument(failed: FailedRecord): string {
  const [codeField, messageField] = failed.type === "format-conversion-failed" ? ["lastErrorCode", "lastErrorMessage"] : ["errorCode", "errorMessage"];
  return JSON.stringify({
    attemptsMade: failed.attemptsMade,
    arrivalTimestamp: failed.arrivedAt,
    [codeField]: failed.errorCode,
    [messageField]: failed.errorMessage,
    attemptEndingTimestamp: failed.attemptEndingTimestamp,
    rawData: failed.rawData.toString("base64"),
    ...failed.details,
  });
}

/** The failures grouped by kind, in order of first appearance, each group's records in order. */
export function groupByType(failed: readonly FailedRecord[]): Map<ErrorOutputType, FailedRecord[]> {
  const groups = new Map<ErrorOutputType, FailedRecord[]>();
  for (const record of failed) {
    const group = groups.get(record.type);
    if (group === undefined) groups.set(record.type, [record]);
    else group.push(record);
  }
  return groups;
}

/** One error output object's body: the documents, newline-terminated. */
export function errorOutputBody(failed: readonly FailedRecord[]): Buffer {
  return Buffer.from(failed.map((record) => `${failureDocument(record)}\n`).join(""), "utf8");
}
