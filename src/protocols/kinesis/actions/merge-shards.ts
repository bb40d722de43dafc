import { resolveStream } from "../../../streams/arns.js";
import { kinesisAction } from "../define.js";
import { shardId, streamTarget } from "../members.js";

export const mergeShards = kinesisAction({
  name: "MergeShards",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: {
      ShardToMerge: { ...shardId, required: true },
      AdjacentShardToMerge: { ...shardId, required: true },
      StreamName: streamTarget.StreamName,
      StreamARN: streamTarget.StreamARN,
      StreamId: streamTarget.StreamId,
    },
  },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    await streams.resharding.mergeShards(ref, input.ShardToMerge, input.AdjacentShardToMerge);
    return {};
  },
});
