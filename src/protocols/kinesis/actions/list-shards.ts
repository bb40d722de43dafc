import { listShards as listShardsOf, shardFilterTypes } from "../../../streams/shard-filters.js";
import { kinesisAction } from "../define.js";
import { wireShard } from "../descriptions.js";
import { nextToken, shardId, streamTarget } from "../members.js";

export const listShards = kinesisAction({
  name: "ListShards",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: {
      MaxResults: { type: "integer", min: 1, max: 10000 },
      ExclusiveStartShardId: shardId,
      StreamName: streamTarget.StreamName,
      NextToken: nextToken,
      StreamCreationTimestamp: { type: "timestamp" },
      ShardFilter: {
        type: "structure",
        members: {
          Type: { type: "string", required: true, enum: shardFilterTypes },
          ShardId: shardId,
          Timestamp: { type: "timestamp" },
        },
      },
      StreamARN: streamTarget.StreamARN,
      StreamId: streamTarget.StreamId,
    },
  },
  async handle(input, { streams }, { region }) {
    const page = listShardsOf(streams, region, {
      nextToken: input.NextToken,
      streamName: input.StreamName,
      streamArn: input.StreamARN,
      exclusiveStartShardId: input.ExclusiveStartShardId,
      streamCreationTimestamp: input.StreamCreationTimestamp,
      maxResults: input.MaxResults,
      filter:
        input.ShardFilter === undefined
          ? undefined
          : { type: input.ShardFilter.Type, shardId: input.ShardFilter.ShardId, timestamp: input.ShardFilter.Timestamp },
    });
    return { Shards: page.shards.map(wireShard), NextToken: page.nextToken };
  },
});
