import { resolveStream } from "../../../streams/arns.js";
import { streamTarget as resource } from "../../../streams/resources.js";
import { removeTags } from "../../../streams/tags.js";
import { kinesisAction } from "../define.js";
import { streamTarget, tagKeyList } from "../members.js";

export const removeTagsFromStream = kinesisAction({
  name: "RemoveTagsFromStream",
  input: { type: "structure", members: { TagKeys: { ...tagKeyList, required: true }, ...streamTarget } },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    await removeTags(streams, resource(ref), input.TagKeys);
    return {};
  },
});
