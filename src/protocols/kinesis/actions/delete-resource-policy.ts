import { resolveResource } from "../../../streams/resources.js";
import { deleteResourcePolicy as deletePolicy } from "../../../streams/stream-settings.js";
import { kinesisAction } from "../define.js";
import { resourceArn, streamId } from "../members.js";

export const deleteResourcePolicy = kinesisAction({
  name: "DeleteResourcePolicy",
  input: { type: "structure", members: { ResourceARN: { ...resourceArn, required: true }, StreamId: streamId } },
  async handle(input, { streams }, { region }) {
    await deletePolicy(streams, resolveResource(region, input.ResourceARN));
    return {};
  },
});
