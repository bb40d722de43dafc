import { resolveStream } from "../../../streams/arns.js";
import { kinesisAction } from "../define.js";
import { sequenceNumber, shardId, shardIteratorType, streamTarget } from "../members.js";

export const getShardIterator = kinesisAction({
  name: "GetShardIterator",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: {
      ShardId: { ...shardId, required: true },
      ShardIteratorType: { ...shardIteratorType, required: true },
      StartingSequenceNumber: sequenceNumber,
      StreamName: streamTarget.StreamName,
      Timestamp: { type: "timestamp" },
      StreamARN: streamTarget.StreamARN,
      StreamId: streamTarget.StreamId,
    },
  },
  async handle(input, { records }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    const iterator = await records.getShardIterator(ref, {
      shardId: input.ShardId,
      type: input.ShardIteratorType,
      startingSequenceNumber: input.StartingSequenceNumber,
      timestamp: input.Timestamp,
    });
    return { ShardIterator: iterator };
  },
});
