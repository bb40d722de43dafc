import { describeLimits as limitsOf } from "../../../streams/account-settings.js";
import { kinesisAction } from "../define.js";

export const describeLimits = kinesisAction({
  name: "DescribeLimits",
  input: { type: "structure", members: {} },
  async handle(_input, { streams }, { region }) {
    const limits = limitsOf(streams, region);
    return {
      ShardLimit: limits.shardLimit,
      OpenShardCount: limits.openShardCount,
      OnDemandStreamCount: limits.onDemandStreamCount,
      OnDemandStreamCountLimit: limits.onDemandStreamCountLimit,
    };
  },
});
