import { kinesisAction } from "../define.js";
import { wireConsumer } from "../descriptions.js";
import { consumerTarget } from "../members.js";

export const describeStreamConsumer = kinesisAction({
  name: "DescribeStreamConsumer",
  input: { type: "structure", members: consumerTarget },
  async handle(input, { consumers, streams }, { region }) {
    const { stream, consumer } = consumers.describe(region, {
      streamArn: input.StreamARN,
      consumerName: input.ConsumerName,
      consumerArn: input.ConsumerARN,
    });
    return { ConsumerDescription: wireConsumer(stream, consumer, streams.now()) };
  },
});
