import { resolveResource } from "../../../streams/resources.js";
import { listTags } from "../../../streams/tags.js";
import { kinesisAction } from "../define.js";
import { resourceArn, streamId } from "../members.js";

export const listTagsForResource = kinesisAction({
  name: "ListTagsForResource",
  input: { type: "structure", members: { ResourceARN: { ...resourceArn, required: true }, StreamId: streamId } },
  async handle(input, { streams }, { region }) {
    const tags = listTags(streams, resolveResource(region, input.ResourceARN));
    return { Tags: tags.map((tag) => ({ Key: tag.key, Value: tag.value })) };
  },
});
