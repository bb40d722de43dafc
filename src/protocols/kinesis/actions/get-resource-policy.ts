import { resolveResource } from "../../../streams/resources.js";
import { getResourcePolicy as getPolicy } from "../../../streams/stream-settings.js";
import { kinesisAction } from "../define.js";
import { resourceArn, streamId } from "../members.js";

export const getResourcePolicy = kinesisAction({
  name: "GetResourcePolicy",
  input: { type: "structure", members: { ResourceARN: { ...resourceArn, required: true }, StreamId: streamId } },
  async handle(input, { streams }, { region }) {
    return { Policy: getPolicy(streams, resolveResource(region, input.ResourceARN)) };
  },
});
