import { resolveStream } from "../../../streams/arns.js";
import { kinesisAction } from "../define.js";
import { streamModeDetails, streamTarget } from "../members.js";

export const updateStreamMode = kinesisAction({
  name: "UpdateStreamMode",
  input: {
    type: "structure",
    members: {
      StreamARN: { ...streamTarget.StreamARN, required: true },
      StreamId: streamTarget.StreamId,
      StreamModeDetails: { ...streamModeDetails, required: true },
      WarmThroughputMiBps: { type: "integer", min: 0 },
    },
  },
  async handle(input, { streams, account }, { region }) {
    const ref = resolveStream(region, { streamArn: input.StreamARN });
    const warm = input.WarmThroughputMiBps;
    await streams.resharding.updateStreamMode(
      ref,
      input.StreamModeDetails.StreamMode,
      warm === undefined ? undefined : { mibps: warm, commitmentActive: account.commitmentActive(ref.region) },
    );
    return {};
  },
});
