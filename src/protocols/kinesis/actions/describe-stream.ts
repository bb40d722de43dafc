import { resolveStream } from "../../../streams/arns.js";
import { kinesisLimits } from "../../../config/limits.js";
import { kinesisAction } from "../define.js";
import { wireStreamDescription } from "../descriptions.js";
import { shardId, streamTarget } from "../members.js";

export const describeStream = kinesisAction({
  name: "DescribeStream",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: {
      Limit: { type: "integer", min: 1, max: 10000 },
      ExclusiveStartShardId: shardId,
      ...streamTarget,
    },
  },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    const stream = streams.stream(ref).record;
    const limit = input.Limit ?? kinesisLimits.describeStreamDefaultLimit;
    const after = input.ExclusiveStartShardId;
    const remaining = after === undefined ? stream.shards : stream.shards.filter((shard) => shard.shardId > after);
    const page = remaining.slice(0, limit);
    return { StreamDescription: wireStreamDescription(stream, streams.now(), page, remaining.length > page.length) };
  },
});
