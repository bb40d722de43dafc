import { resolveStream } from "../../../streams/arns.js";
import { updateWarmThroughput } from "../../../streams/stream-settings.js";
import { kinesisAction } from "../define.js";
import { streamTarget } from "../members.js";

export const updateStreamWarmThroughput = kinesisAction({
  name: "UpdateStreamWarmThroughput",
  input: { type: "structure", members: { ...streamTarget, WarmThroughputMiBps: { type: "integer", required: true, min: 0 } } },
  async handle(input, { streams, account }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    const stream = await updateWarmThroughput(streams, account, ref, input.WarmThroughputMiBps);
    return {
      StreamARN: stream.arn,
      StreamName: stream.name,
      WarmThroughput: { TargetMiBps: stream.warmThroughputMiBps, CurrentMiBps: stream.warmThroughputMiBps },
    };
  },
});
