import { firehoseLimits } from "../../../config/limits.js";
import type { DeliveryFailure } from "../../../delivery/delivery-service.js";
import { deliveryStreamArn, type DestinationRecord } from "../../../delivery/model.js";
import { firehoseAction } from "../define.js";
import { extendedConfigurationOf, s3DescriptionOf } from "../destinations.js";
import { httpEndpointDestinationDescriptionOf } from "../http-endpoint-destination.js";
import { encryptionDescriptionOf } from "../encryption.js";
import { sourceDescription } from "../kinesis-source.js";
import { deliveryStreamName } from "../members.js";

export const describeDeliveryStream = firehoseAction({
  name: "DescribeDeliveryStream",
  input: {
    type: "structure",
    members: {
      DeliveryStreamName: { ...deliveryStreamName, required: true },
      Limit: { type: "integer", min: 1, max: 10000 },
      ExclusiveStartDestinationId: { type: "string", min: 1, max: 100, pattern: "[a-zA-Z0-9-]+" },
    },
  },
  async handle(input, { delivery }, { region }) {
    const stream = delivery.get({ region, name: input.DeliveryStreamName });
    const failure = delivery.failure(stream);
    // A stream has one destination: starting after it leaves none.
    const destinations = input.ExclusiveStartDestinationId === firehoseLimits.destinationId ? [] : [destinationDescription(stream.destination)];
    return {
      DeliveryStreamDescription: {
        DeliveryStreamName: stream.name,
        DeliveryStreamARN: deliveryStreamArn(stream.region, stream.name),
        DeliveryStreamStatus: delivery.status(stream),
        ...(failure === undefined ? {} : { FailureDescription: failureDescription(failure) }),
        DeliveryStreamEncryptionConfiguration: encryptionDescriptionOf(stream),
        DeliveryStreamType: stream.type,
        ...sourceDescription(stream),
        VersionId: String(stream.versionId),
        CreateTimestamp: new Date(stream.createdAt),
        ...(stream.updatedAt === undefined ? {} : { LastUpdateTimestamp: new Date(stream.updatedAt) }),
        Destinations: destinations,
        HasMoreDestinations: false,
      },
    };
  },
});

/**
 * A delivery that keeps failing. AWS reports destination errors in CloudWatch Logs and keeps FailureDescription for
 * stream-level faults; with no CloudWatch here, Freshet shows the last delivery error there, as UNKNOWN_ERROR.
 */
function failureDescription(failure: DeliveryFailure): { Type: string; Details: string } {
  const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
  return { Type: "UNKNOWN_ERROR", Details: `${new Date(failure.at).toISOString()}: ${failure.what}: ${message}` };
}

/** AWS describes an S3 destination both ways, whichever configuration created it. */
function destinationDescription(destination: DestinationRecord): Record<string, unknown> {
  if (destination.kind === "HttpEndpoint") {
    return { DestinationId: firehoseLimits.destinationId, HttpEndpointDestinationDescription: httpEndpointDestinationDescriptionOf(destination) };
  }
  const common = s3DescriptionOf(destination);
  const backup = destination.sourceBackup;
  return {
    DestinationId: firehoseLimits.destinationId,
    S3DestinationDescription: common,
    ExtendedS3DestinationDescription: {
      ...common,
      S3BackupMode: backup === null ? "Disabled" : "Enabled",
      ...(backup === null ? {} : { S3BackupDescription: s3DescriptionOf(backup) }),
      ...extendedConfigurationOf(destination),
    },
  };
}

