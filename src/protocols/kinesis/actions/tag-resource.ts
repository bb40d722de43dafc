import { resolveResource } from "../../../streams/resources.js";
import { addTags } from "../../../streams/tags.js";
import { kinesisAction } from "../define.js";
import { resourceArn, streamId, tagMap } from "../members.js";

export const tagResource = kinesisAction({
  name: "TagResource",
  input: {
    type: "structure",
    members: { Tags: { ...tagMap, required: true }, ResourceARN: { ...resourceArn, required: true }, StreamId: streamId },
  },
  async handle(input, { streams }, { region }) {
    await addTags(streams, resolveResource(region, input.ResourceARN), input.Tags);
    return {};
  },
});
