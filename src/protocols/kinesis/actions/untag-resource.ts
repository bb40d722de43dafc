import { resolveResource } from "../../../streams/resources.js";
import { removeTags } from "../../../streams/tags.js";
import { kinesisAction } from "../define.js";
import { resourceArn, streamId, tagKeyList } from "../members.js";

export const untagResource = kinesisAction({
  name: "UntagResource",
  input: {
    type: "structure",
    members: { TagKeys: { ...tagKeyList, required: true }, ResourceARN: { ...resourceArn, required: true }, StreamId: streamId },
  },
  async handle(input, { streams }, { region }) {
    await removeTags(streams, resolveResource(region, input.ResourceARN), input.TagKeys);
    return {};
  },
});
