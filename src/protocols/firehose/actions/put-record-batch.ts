import { firehoseLimits } from "../../../config/limits.js";
import { invalidArgument } from "../../../delivery/errors.js";
import { firehoseAction } from "../define.js";
import { deliveryStreamName, record } from "../members.js";

export const putRecordBatch = firehoseAction({
  name: "PutRecordBatch",
  input: {
    type: "structure",
    members: {
      DeliveryStreamName: { ...deliveryStreamName, required: true },
      Records: { type: "list", required: true, member: record, min: 1, max: firehoseLimits.putRecordBatchMaxRecords },
    },
  },
  async handle(input, { delivery }, { region }) {
    const ref = { region, name: input.DeliveryStreamName };
    const encrypted = delivery.get(ref).encryption !== undefined;
    const bytes = input.Records.reduce((sum, entry) => sum + entry.Data.length, 0);
    if (bytes > firehoseLimits.putRecordBatchMaxBytes) {
      throw invalidArgument(`Records size exceeds ${firehoseLimits.putRecordBatchMaxBytes} bytes limit.`);
    }
    const results = await delivery.putRecords(
      ref,
      input.Records.map((entry) => entry.Data),
    );
    return {
      FailedPutCount: results.filter((result) => !result.ok).length,
      Encrypted: encrypted,
      RequestResponses: results.map((result) =>
        result.ok ? { RecordId: result.recordId } : { ErrorCode: result.errorCode, ErrorMessage: result.errorMessage },
      ),
    };
  },
});
