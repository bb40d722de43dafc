import { kinesisTagRules } from "../../../config/limits.js";
import { resolveStream } from "../../../streams/arns.js";
import { streamTarget as resource } from "../../../streams/resources.js";
import { listTagsPage } from "../../../streams/tags.js";
import { kinesisAction } from "../define.js";
import { streamTarget, tagKey } from "../members.js";

export const listTagsForStream = kinesisAction({
  name: "ListTagsForStream",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: { Limit: { type: "integer", min: 1, max: 50 }, ExclusiveStartTagKey: tagKey, ...streamTarget },
  },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    const page = listTagsPage(streams, resource(ref), input.ExclusiveStartTagKey, input.Limit ?? kinesisTagRules.listTagsForStreamDefaultLimit);
    return { Tags: page.tags.map((tag) => ({ Key: tag.key, Value: tag.value })), HasMoreTags: page.hasMore };
  },
});
