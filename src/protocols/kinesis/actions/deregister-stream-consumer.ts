import { kinesisAction } from "../define.js";
import { consumerTarget } from "../members.js";

export const deregisterStreamConsumer = kinesisAction({
  name: "DeregisterStreamConsumer",
  input: { type: "structure", members: consumerTarget },
  async handle(input, { consumers }, { region }) {
    await consumers.deregister(region, { streamArn: input.StreamARN, consumerName: input.ConsumerName, consumerArn: input.ConsumerARN });
    return {};
  },
});
