import { resolveStream } from "../../../streams/arns.js";
import { throughputExceeded } from "../../../streams/errors.js";
import { kinesisAction } from "../define.js";
import { hashKey, partitionKey, recordData, sequenceNumber, streamTarget } from "../members.js";

export const putRecord = kinesisAction({
  name: "PutRecord",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: {
      SequenceNumberForOrdering: sequenceNumber,
      PartitionKey: partitionKey,
      ExplicitHashKey: hashKey,
      Data: recordData,
      ...streamTarget,
    },
  },
  async handle(input, { records, streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    const entry = { data: input.Data, partitionKey: input.PartitionKey, explicitHashKey: input.ExplicitHashKey };
    const [result] = await records.putRecords(ref, [entry], () => "data");
    if (!result!.ok) throw throughputExceeded(result!.errorMessage);
    return { ShardId: result!.shardId, SequenceNumber: result!.sequenceNumber, EncryptionType: streams.stream(ref).record.encryption.type };
  },
});
