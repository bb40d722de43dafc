import { resolveStream } from "../../../streams/arns.js";
import { kinesisAction } from "../define.js";
import { streamTarget } from "../members.js";

export const updateShardCount = kinesisAction({
  name: "UpdateShardCount",
  input: {
    type: "structure",
    members: {
      StreamName: streamTarget.StreamName,
      TargetShardCount: { type: "integer", required: true, min: 1 },
      ScalingType: { type: "string", required: true, enum: ["UNIFORM_SCALING"] },
      StreamARN: streamTarget.StreamARN,
      StreamId: streamTarget.StreamId,
    },
  },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    const result = await streams.resharding.updateShardCount(ref, input.TargetShardCount);
    return {
      StreamName: result.streamName,
      CurrentShardCount: result.currentShardCount,
      TargetShardCount: result.targetShardCount,
      StreamARN: result.streamArn,
    };
  },
});
