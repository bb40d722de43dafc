import { resolveStream } from "../../../streams/arns.js";
import { updateMaxRecordSize as updateSize } from "../../../streams/stream-settings.js";
import { kinesisAction } from "../define.js";
import { maxRecordSizeInKiB, streamArn, streamId } from "../members.js";

export const updateMaxRecordSize = kinesisAction({
  name: "UpdateMaxRecordSize",
  input: {
    type: "structure",
    members: { StreamARN: streamArn, StreamId: streamId, MaxRecordSizeInKiB: { ...maxRecordSizeInKiB, required: true } },
  },
  async handle(input, { streams }, { region }) {
    await updateSize(streams, resolveStream(region, { streamArn: input.StreamARN }), input.MaxRecordSizeInKiB);
    return {};
  },
});
