import { kinesisAction } from "../define.js";
import { wireConsumerSummary } from "../descriptions.js";
import { consumerName, streamArn, streamId, tagMap } from "../members.js";

export const registerStreamConsumer = kinesisAction({
  name: "RegisterStreamConsumer",
  input: {
    type: "structure",
    members: {
      StreamARN: { ...streamArn, required: true },
      ConsumerName: { ...consumerName, required: true },
      StreamId: streamId,
      Tags: tagMap,
    },
  },
  async handle(input, { consumers, streams }, { region }) {
    const { consumer } = await consumers.register(region, input.StreamARN, input.ConsumerName, input.Tags);
    return { Consumer: wireConsumerSummary(consumer, streams.now()) };
  },
});
