import { resolveStream } from "../../../streams/arns.js";
import { kinesisAction } from "../define.js";
import { hashKey, shardId, streamTarget } from "../members.js";

export const splitShard = kinesisAction({
  name: "SplitShard",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: {
      NewStartingHashKey: { ...hashKey, required: true },
      StreamName: streamTarget.StreamName,
      ShardToSplit: { ...shardId, required: true },
      StreamARN: streamTarget.StreamARN,
      StreamId: streamTarget.StreamId,
    },
  },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    await streams.resharding.splitShard(ref, input.ShardToSplit, input.NewStartingHashKey);
    return {};
  },
});
