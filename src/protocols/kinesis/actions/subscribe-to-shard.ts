/**
 * SubscribeToShard: answers 200 once the subscription exists (errors before that are ordinary error responses),
 * then streams SubscribeToShardEvent events (see src/streams/subscriptions.ts and src/protocols/aws/event-stream.ts).
 */
import { EventStreamOutput } from "../../aws/event-stream.js";
import { kinesisAction } from "../define.js";
import { wireChildShard, wireRecord } from "../descriptions.js";
import { consumerArn, sequenceNumber, shardId, shardIteratorType, streamId } from "../members.js";
import { withRecordsJson } from "../records-json.js";

export const subscribeToShard = kinesisAction({
  name: "SubscribeToShard",
  input: {
    type: "structure",
    members: {
      ConsumerARN: { ...consumerArn, required: true },
      StreamId: streamId,
      ShardId: { ...shardId, required: true },
      StartingPosition: {
        type: "structure",
        required: true,
        members: {
          Type: { ...shardIteratorType, required: true },
          SequenceNumber: sequenceNumber,
          Timestamp: { type: "timestamp" },
        },
      },
    },
  },
  async handle(input, { subscriptions }) {
    const subscription = await subscriptions.subscribe(input.ConsumerARN, input.ShardId, {
      type: input.StartingPosition.Type,
      startingSequenceNumber: input.StartingPosition.SequenceNumber,
      timestamp: input.StartingPosition.Timestamp,
    });
    return new EventStreamOutput(async function* (signal) {
      for await (const event of subscription.events(signal)) {
        yield {
          type: "SubscribeToShardEvent",
          payload: withRecordsJson({
            Records: event.records.map(wireRecord),
            ContinuationSequenceNumber: event.continuationSequenceNumber ?? undefined,
            MillisBehindLatest: event.millisBehindLatest,
            ChildShards: event.childShards?.map(wireChildShard),
          }),
        };
      }
    }, "InternalFailureException");
  },
});
