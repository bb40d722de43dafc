import { resolveStream } from "../../../streams/arns.js";
import { kinesisAction } from "../define.js";
import { streamTarget } from "../members.js";

const input = {
  type: "structure",
  // In the order AWS reports their validation errors.
  members: { RetentionPeriodHours: { type: "integer", required: true }, ...streamTarget },
} as const;

export const increaseStreamRetentionPeriod = kinesisAction({
  name: "IncreaseStreamRetentionPeriod",
  input,
  async handle(request, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: request.StreamName, streamArn: request.StreamARN });
    await streams.changeRetention(ref, request.RetentionPeriodHours, "increase");
    return {};
  },
});

export const decreaseStreamRetentionPeriod = kinesisAction({
  name: "DecreaseStreamRetentionPeriod",
  input,
  async handle(request, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: request.StreamName, streamArn: request.StreamARN });
    await streams.changeRetention(ref, request.RetentionPeriodHours, "decrease");
    return {};
  },
});
