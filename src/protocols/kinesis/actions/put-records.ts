import { kinesisLimits } from "../../../config/limits.js";
import { resolveStream } from "../../../streams/arns.js";
import { invalidArgument } from "../../../streams/errors.js";
import type { PutResult } from "../../../streams/records-service.js";
import { withOwnJson } from "../../aws/codecs.js";
import { kinesisAction } from "../define.js";
import { hashKey, partitionKey, recordData, streamTarget } from "../members.js";

export const putRecords = kinesisAction({
  name: "PutRecords",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: {
      Records: {
        type: "list",
        required: true,
        min: 1,
        max: 500,
        member: {
          type: "structure",
          members: {
            PartitionKey: partitionKey,
            ExplicitHashKey: hashKey,
            Data: recordData,
          },
        },
      },
      ...streamTarget,
    },
  },
  // Not async, so that nothing holds `input` (500 records) while the put waits for the disk (RecordsService.putRecords).
  handle(input, { records, streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    let totalBytes = 0;
    for (const entry of input.Records) totalBytes += entry.Data.length + Buffer.byteLength(entry.PartitionKey, "utf8");
    if (totalBytes > kinesisLimits.putRecordsMaxBytes) {
      throw invalidArgument(`Records size exceeds ${kinesisLimits.putRecordsMaxBytes / 1024 / 1024} MB limit`);
    }
    const entries = input.Records.map((entry) => ({
      data: entry.Data,
      partitionKey: entry.PartitionKey,
      explicitHashKey: entry.ExplicitHashKey,
    }));
    return records
      .putRecords(ref, entries, (i) => `records.${i + 1}.member.data`)
      .then((results) => answer(results, streams.stream(ref).record.encryption.type));
  },
});

function answer(results: readonly PutResult[], encryptionType: string): unknown {
  let failed = 0;
  const wire = results.map((result): PutRecordsResultEntry => {
    if (result.ok) return { ShardId: result.shardId, SequenceNumber: result.sequenceNumber };
    failed++;
    return { ErrorCode: result.errorCode, ErrorMessage: result.errorMessage };
  });
  const output = { FailedRecordCount: failed, Records: wire, EncryptionType: encryptionType };
  return withOwnJson(output, putRecordsJson);
}

type PutRecordsResultEntry =
  | { readonly ShardId: string; readonly SequenceNumber: string }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

interface PutRecordsOutput {
  readonly FailedRecordCount: number;
  readonly Records: readonly PutRecordsResultEntry[];
  readonly EncryptionType: string;
}

/**
 * Shard ids and sequence numbers are Freshet's own (letters, digits, '-'): nothing in them needs escaping, and an
 * answer without failures is ASCII, so its latin1 bytes are its UTF-8 ones and Buffer copies them without a UTF-8
 * pass over the whole text. Pieces are joined with `+`, which measured faster here than a template per entry.
 */
function putRecordsJson(output: PutRecordsOutput): Buffer {
  let json = `{"FailedRecordCount":${output.FailedRecordCount},"Records":[`;
  for (let i = 0; i < output.Records.length; i++) {
    const entry = output.Records[i]!;
    if (i > 0) json += ",";
    json += "SequenceNumber" in entry
      ? '{"ShardId":"' + entry.ShardId + '","SequenceNumber":"' + entry.SequenceNumber + '"}'
      : JSON.stringify(entry);
  }
  json += '],"EncryptionType":' + JSON.stringify(output.EncryptionType) + "}";
  return Buffer.from(json, output.FailedRecordCount === 0 ? "latin1" : "utf8");
}
