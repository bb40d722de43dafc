import { resolveStream } from "../../../streams/arns.js";
import { kinesisAction } from "../define.js";
import { streamTarget } from "../members.js";

export const deleteStream = kinesisAction({
  name: "DeleteStream",
  input: { type: "structure", members: { ...streamTarget, EnforceConsumerDeletion: { type: "boolean" } } },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    await streams.deleteStream(ref, input.EnforceConsumerDeletion ?? false);
    return {};
  },
});
