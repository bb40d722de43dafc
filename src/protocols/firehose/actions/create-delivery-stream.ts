import { invalidArgument } from "../../../delivery/errors.js";
import { deliveryStreamArn } from "../../../delivery/model.js";
import { firehoseAction } from "../define.js";
import { destinationFrom } from "../destinations.js";
import { httpEndpointDestinationConfiguration, httpEndpointDestinationFrom } from "../http-endpoint-destination.js";
import { encryptionConfigurationInput, encryptionFrom } from "../encryption.js";
import { kinesisStreamSourceConfiguration, sourceFrom } from "../kinesis-source.js";
import { checkTags } from "../tags.js";
import {
  deliveryStreamName,
  deliveryStreamType,
  extendedS3DestinationConfiguration,
  s3DestinationConfiguration,
  tagList,
  unsupported,
} from "../members.js";

/** Sources, destinations and settings Freshet does not support yet: kept in the shape, refused by name. */
const unsupportedMembers = {
  MSKSourceConfiguration: unsupported,
  DatabaseSourceConfiguration: unsupported,
  RedshiftDestinationConfiguration: unsupported,
  ElasticsearchDestinationConfiguration: unsupported,
  AmazonopensearchserviceDestinationConfiguration: unsupported,
  AmazonOpenSearchServerlessDestinationConfiguration: unsupported,
  SplunkDestinationConfiguration: unsupported,
  SnowflakeDestinationConfiguration: unsupported,
  IcebergDestinationConfiguration: unsupported,
} as const;

export const createDeliveryStream = firehoseAction({
  name: "CreateDeliveryStream",
  input: {
    type: "structure",
    members: {
      DeliveryStreamName: { ...deliveryStreamName, required: true },
      DeliveryStreamType: deliveryStreamType,
      DirectPutSourceConfiguration: {
        type: "structure",
        members: { ThroughputHintInMBs: { type: "integer", required: true, min: 1, max: 100 } },
      },
      S3DestinationConfiguration: s3DestinationConfiguration,
      ExtendedS3DestinationConfiguration: extendedS3DestinationConfiguration,
      HttpEndpointDestinationConfiguration: httpEndpointDestinationConfiguration,
      KinesisStreamSourceConfiguration: kinesisStreamSourceConfiguration,
      Tags: tagList,
      DeliveryStreamEncryptionConfigurationInput: encryptionConfigurationInput,
      ...unsupportedMembers,
    },
  },
  async handle(input, { delivery, settings }, { region }) {
    const source = sourceFrom(input);
    const given = input as Record<string, unknown>;
    for (const member of Object.keys(unsupportedMembers)) {
      if (given[member] !== undefined) throw invalidArgument(`${member} is not supported by Freshet yet.`);
    }
    const extended = input.ExtendedS3DestinationConfiguration;
    const plain = input.S3DestinationConfiguration;
    const http = input.HttpEndpointDestinationConfiguration;
    if ([extended, plain, http].filter((given) => given !== undefined).length !== 1) {
      throw invalidArgument("Exactly one destination configuration is supported for a Firehose");
    }
    const context = { region, lambdaFunctions: settings.lambdaFunctions, glueTables: settings.glueTables };
    const destination =
      http !== undefined
        ? httpEndpointDestinationFrom(http, settings.lambdaFunctions)
        : extended !== undefined
          ? destinationFrom(extended, true, context)
          : destinationFrom(plain!, false);
    const tags = checkTags(input.Tags ?? []);
    const encryptionInput = input.DeliveryStreamEncryptionConfigurationInput;
    const encryption = encryptionInput === undefined ? {} : { encryption: encryptionFrom(encryptionInput) };
    const hint = input.DirectPutSourceConfiguration?.ThroughputHintInMBs;
    await delivery.create(
      { region, name: input.DeliveryStreamName },
      {
        destination,
        tags,
        ...encryption,
        ...(source === undefined ? {} : { source }),
        ...(hint === undefined ? {} : { throughputHintInMBs: hint }),
      },
    );
    return { DeliveryStreamARN: deliveryStreamArn(region, input.DeliveryStreamName) };
  },
});
