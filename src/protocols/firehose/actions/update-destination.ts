import { firehoseLimits } from "../../../config/limits.js";
import { invalidArgument } from "../../../delivery/errors.js";
import { firehoseAction } from "../define.js";
import { mergeUpdate } from "../destinations.js";
import { deliveryStreamName, extendedS3DestinationUpdate, s3DestinationUpdate, unsupported } from "../members.js";

/** Destination types Freshet does not deliver to yet, refused by name. */
const unsupportedUpdates = {
  RedshiftDestinationUpdate: unsupported,
  ElasticsearchDestinationUpdate: unsupported,
  AmazonopensearchserviceDestinationUpdate: unsupported,
  SplunkDestinationUpdate: unsupported,
  HttpEndpointDestinationUpdate: unsupported,
  AmazonOpenSearchServerlessDestinationUpdate: unsupported,
  SnowflakeDestinationUpdate: unsupported,
  IcebergDestinationUpdate: unsupported,
} as const;

export const updateDestination = firehoseAction({
  name: "UpdateDestination",
  input: {
    type: "structure",
    members: {
      DeliveryStreamName: { ...deliveryStreamName, required: true },
      CurrentDeliveryStreamVersionId: { type: "string", required: true, min: 1, max: 50, pattern: "[0-9]+" },
      DestinationId: { type: "string", required: true, min: 1, max: 100, pattern: "[a-zA-Z0-9-]+" },
      S3DestinationUpdate: s3DestinationUpdate,
      ExtendedS3DestinationUpdate: extendedS3DestinationUpdate,
      ...unsupportedUpdates,
    },
  },
  async handle(input, { delivery }, { region }) {
    const ref = { region, name: input.DeliveryStreamName };
    delivery.get(ref);
    const given = input as Record<string, unknown>;
    for (const member of Object.keys(unsupportedUpdates)) {
      if (given[member] !== undefined) throw invalidArgument(`${member} is not supported by Freshet yet.`);
    }
    if (input.DestinationId !== firehoseLimits.destinationId) {
      throw invalidArgument(`Destination ${input.DestinationId} not found for Firehose ${input.DeliveryStreamName}.`);
    }
    const extended = input.ExtendedS3DestinationUpdate;
    const plain = input.S3DestinationUpdate;
    if ((extended === undefined) === (plain === undefined)) {
      throw invalidArgument("Exactly one destination configuration is supported for a Firehose");
    }
    await delivery.updateDestination(ref, input.CurrentDeliveryStreamVersionId, (current) =>
      extended !== undefined ? mergeUpdate(current, extended, true) : mergeUpdate(current, plain!, false),
    );
    return {};
  },
});
