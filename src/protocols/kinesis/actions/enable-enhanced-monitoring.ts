import { resolveStream } from "../../../streams/arns.js";
import { changeMonitoring } from "../../../streams/stream-settings.js";
import { kinesisAction } from "../define.js";
import { metricsNameList, streamTarget } from "../members.js";

export const enableEnhancedMonitoring = kinesisAction({
  name: "EnableEnhancedMonitoring",
  input: { type: "structure", members: { ...streamTarget, ShardLevelMetrics: { ...metricsNameList, required: true } } },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    const change = await changeMonitoring(streams, ref, input.ShardLevelMetrics, true);
    return {
      StreamName: change.stream.name,
      StreamARN: change.stream.arn,
      CurrentShardLevelMetrics: [...change.current],
      DesiredShardLevelMetrics: [...change.desired],
    };
  },
});
