import { kinesisAction } from "../define.js";
import { maxRecordSizeInKiB, streamModeDetails, streamName, tagMap } from "../members.js";

export const createStream = kinesisAction({
  name: "CreateStream",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: {
      ShardCount: { type: "integer", min: 1 },
      StreamName: { ...streamName, required: true },
      StreamModeDetails: streamModeDetails,
      Tags: tagMap,
      WarmThroughputMiBps: { type: "integer", min: 0 },
      MaxRecordSizeInKiB: maxRecordSizeInKiB,
    },
  },
  async handle(input, { streams }, { region }) {
    await streams.createStream(
      { region, name: input.StreamName },
      {
        shardCount: input.ShardCount,
        mode: input.StreamModeDetails?.StreamMode,
        tags: input.Tags,
        maxRecordSizeKiB: input.MaxRecordSizeInKiB,
        warmThroughputMiBps: input.WarmThroughputMiBps,
      },
    );
    return {};
  },
});
