import { firehoseLimits } from "../../../config/limits.js";
import { invalidArgument } from "../../../delivery/errors.js";
import { firehoseAction } from "../define.js";
import { mergeUpdate } from "../destinations.js";
import { httpEndpointDestinationUpdate, mergeHttpEndpointUpdate } from "../http-endpoint-destination.js";
import { deliveryStreamName, extendedS3DestinationUpdate, s3DestinationUpdate, unsupported } from "../members.js";

/** Destination types Freshet does not deliver to yet, refused by name. */
const unsupportedUpdates = {
  RedshiftDestinationUpdate: unsupported,
  ElasticsearchDestinationUpdate: unsupported,
  AmazonopensearchserviceDestinationUpdate: unsupported,
  SplunkDestinationUpdate: unsupported,
  AmazonOpenSearchServerlessDestinationUpdate: unsupported,
  SnowflakeDestinationUpdate: unsupported,
  IcebergDestinationUpdate: unsupported,
} as const;

/**
 * AWS replaces a destination by one of another type when every member is given; Freshet keeps a stream's
 * destination type (a new stream can be created instead).
 */
function destinationTypeChange(to: string): Error {
  return invalidArgument(`Changing a Firehose stream's destination to ${to} destination is not supported by Freshet; create a new Firehose stream.`);
}

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
      HttpEndpointDestinationUpdate: httpEndpointDestinationUpdate,
      ...unsupportedUpdates,
    },
  },
  async handle(input, { delivery, settings }, { region }) {
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
    const http = input.HttpEndpointDestinationUpdate;
    if ([extended, plain, http].filter((given) => given !== undefined).length !== 1) {
      throw invalidArgument("Exactly one destination configuration is supported for a Firehose");
    }
    const context = { region, lambdaFunctions: settings.lambdaFunctions, glueTables: settings.glueTables };
    await delivery.updateDestination(ref, input.CurrentDeliveryStreamVersionId, (current) => {
      if (http !== undefined) {
        if (current.kind !== "HttpEndpoint") throw destinationTypeChange("an HTTP endpoint");
        return mergeHttpEndpointUpdate(current, http, settings.lambdaFunctions);
      }
      if (current.kind !== "S3") throw destinationTypeChange("S3");
      return extended !== undefined ? mergeUpdate(current, extended, true, context) : mergeUpdate(current, plain!, false);
    });
    return {};
  },
});
