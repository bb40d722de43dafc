import { resolveStream } from "../../../streams/arns.js";
import { kinesisAction } from "../define.js";
import { wireStreamSummary } from "../descriptions.js";
import { streamTarget } from "../members.js";

export const describeStreamSummary = kinesisAction({
  name: "DescribeStreamSummary",
  input: { type: "structure", members: streamTarget },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    return { StreamDescriptionSummary: wireStreamSummary(streams.stream(ref).record, streams.now()) };
  },
});
