import { kinesisAction } from "../define.js";
import { wireConsumerSummary } from "../descriptions.js";
import { nextToken, streamArn, streamId } from "../members.js";

export const listStreamConsumers = kinesisAction({
  name: "ListStreamConsumers",
  input: {
    type: "structure",
    members: {
      StreamARN: { ...streamArn, required: true },
      NextToken: nextToken,
      MaxResults: { type: "integer", min: 1, max: 10000 },
      StreamCreationTimestamp: { type: "timestamp" },
      StreamId: streamId,
    },
  },
  async handle(input, { consumers, streams }, { region }) {
    const page = consumers.list(region, input.StreamARN, {
      maxResults: input.MaxResults,
      nextToken: input.NextToken,
      streamCreatedAt: input.StreamCreationTimestamp,
    });
    const now = streams.now();
    return { Consumers: page.consumers.map((consumer) => wireConsumerSummary(consumer, now)), NextToken: page.nextToken };
  },
});
