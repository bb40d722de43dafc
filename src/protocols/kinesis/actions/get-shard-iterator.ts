import { resolveStream } from "../../../streams/arns.js";
import { kinesisAction } from "../define.js";
import { sequenceNumber, shardId, shardIteratorType, streamTarget } from "../members.js";

export const getShardIterator = kinesisAction({
  name: "GetShardIterator",
  input: {
    type: "structure",
    members: {
      ...streamTarget,
      ShardId: { ...shardId, required: true },
      ShardIteratorType: { ...shardIteratorType, required: true },
      StartingSequenceNumber: sequenceNumber,
      Timestamp: { type: "timestamp" },
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
