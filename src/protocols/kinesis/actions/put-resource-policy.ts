import { resolveResource } from "../../../streams/resources.js";
import { putResourcePolicy as putPolicy } from "../../../streams/stream-settings.js";
import { kinesisAction } from "../define.js";
import { resourceArn, streamId } from "../members.js";

/** Stored and returned by GetResourcePolicy; not enforced. */
export const putResourcePolicy = kinesisAction({
  name: "PutResourcePolicy",
  input: {
    type: "structure",
    members: { ResourceARN: { ...resourceArn, required: true }, StreamId: streamId, Policy: { type: "string", required: true } },
  },
  async handle(input, { streams }, { region }) {
    await putPolicy(streams, resolveResource(region, input.ResourceARN), input.Policy);
    return {};
  },
});
