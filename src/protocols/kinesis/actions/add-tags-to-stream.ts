import { resolveStream } from "../../../streams/arns.js";
import { streamTarget as resource } from "../../../streams/resources.js";
import { addTags } from "../../../streams/tags.js";
import { kinesisAction } from "../define.js";
import { streamTarget, tagMap } from "../members.js";

export const addTagsToStream = kinesisAction({
  name: "AddTagsToStream",
  input: { type: "structure", members: { Tags: { ...tagMap, required: true }, ...streamTarget } },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    await addTags(streams, resource(ref), input.Tags);
    return {};
  },
});
