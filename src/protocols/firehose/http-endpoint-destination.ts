/**
 * HTTP endpoint destination settings between the wire and the domain: the HttpEndpointDestinationConfiguration and
 * HttpEndpointDestinationUpdate shapes (members and constraints of the Firehose API model), a configuration checked
 * and turned into HttpEndpointSettings, an update merged over the current settings the way AWS merges updates of
 * the same destination type, and the HttpEndpointDestinationDescription DescribeDeliveryStream returns.
 *
 * Differences from AWS: the Url may be http:// as well as https:// (any port), so a local endpoint needs no
 * certificate; SecretsManagerConfiguration is refused when enabled; ProcessingConfiguration is kept as given, for
 * the processing stage to interpret.
 */
import { firehoseLimits } from "../../config/limits.js";
import { invalidArgument } from "../../delivery/errors.js";
import {
  type HttpEndpointContentEncoding,
  type HttpEndpointS3BackupMode,
  type HttpEndpointSettings,
  httpEndpointContentEncodings,
  httpEndpointS3BackupModes,
} from "../../delivery/http-endpoint.js";
import type { HttpEndpointDestinationRecord, S3DestinationRecord } from "../../delivery/model.js";
import type { ValueOf } from "../aws/action.js";
import type { Shape } from "../aws/shapes.js";
import { destinationFrom, mergeUpdate, s3DescriptionOf } from "./destinations.js";
import { s3DestinationConfiguration, s3DestinationUpdate } from "./members.js";
import { processingConfiguration, type ProcessingConfigurationInput, processingFrom } from "./processing-configuration.js";

const nonBlank = "^(?!\\s*$).+";

const endpointConfiguration = {
  type: "structure",
  members: {
    // AWS's pattern is https://.*; Freshet also delivers to plain http:// endpoints.
    Url: { type: "string", required: true, min: 1, max: 1000, pattern: "https?://.*" },
    Name: { type: "string", min: 1, max: 256, pattern: nonBlank },
    AccessKey: { type: "string", min: 0, max: 4096, pattern: ".*" },
  },
} as const satisfies Shape;

const bufferingHints = {
  type: "structure",
  members: {
    SizeInMBs: {
      type: "integer",
      min: firehoseLimits.httpEndpointBufferSizeMiBRange[0],
      max: firehoseLimits.httpEndpointBufferSizeMiBRange[1],
    },
    IntervalInSeconds: {
      type: "integer",
      min: firehoseLimits.bufferIntervalSecondsRange[0],
      max: firehoseLimits.bufferIntervalSecondsRange[1],
    },
  },
} as const satisfies Shape;

const requestConfiguration = {
  type: "structure",
  members: {
    ContentEncoding: { type: "string", enum: httpEndpointContentEncodings },
    CommonAttributes: {
      type: "list",
      min: 0,
      max: 50,
      member: {
        type: "structure",
        members: {
          AttributeName: { type: "string", required: true, min: 1, max: 256, pattern: nonBlank },
          AttributeValue: { type: "string", required: true, min: 0, max: 1024, pattern: ".*" },
        },
      },
    },
  },
} as const satisfies Shape;

const retryOptions = {
  type: "structure",
  members: {
    DurationInSeconds: {
      type: "integer",
      min: firehoseLimits.httpEndpointRetryDurationSecondsRange[0],
      max: firehoseLimits.httpEndpointRetryDurationSecondsRange[1],
    },
  },
} as const satisfies Shape;

const secretsManagerConfiguration = {
  type: "structure",
  members: {
    SecretARN: {
      type: "string",
      min: 1,
      max: 2048,
      pattern: "arn:.*:secretsmanager:[a-zA-Z0-9\\-]+:\\d{12}:secret:[a-zA-Z0-9\\-/_+=.@!]+",
    },
    RoleARN: s3DestinationUpdate.members.RoleARN,
    Enabled: { type: "boolean", required: true },
  },
} as const satisfies Shape;

/** The members a configuration and an update share (an update names its S3 part S3Update, and requires nothing). */
const commonMembers = {
  EndpointConfiguration: endpointConfiguration,
  BufferingHints: bufferingHints,
  CloudWatchLoggingOptions: s3DestinationConfiguration.members.CloudWatchLoggingOptions,
  RequestConfiguration: requestConfiguration,
  ProcessingConfiguration: processingConfiguration,
  RoleARN: s3DestinationUpdate.members.RoleARN,
  RetryOptions: retryOptions,
  S3BackupMode: { type: "string", enum: httpEndpointS3BackupModes },
  SecretsManagerConfiguration: secretsManagerConfiguration,
} as const;

export const httpEndpointDestinationConfiguration = {
  type: "structure",
  members: {
    ...commonMembers,
    EndpointConfiguration: { ...endpointConfiguration, required: true },
    S3Configuration: { ...s3DestinationConfiguration, required: true },
  },
} as const satisfies Shape;

export const httpEndpointDestinationUpdate = {
  type: "structure",
  members: { ...commonMembers, S3Update: s3DestinationUpdate },
} as const satisfies Shape;

type HttpEndpointConfigurationInput = ValueOf<typeof httpEndpointDestinationConfiguration>;
type HttpEndpointUpdateInput = ValueOf<typeof httpEndpointDestinationUpdate>;
/** A configuration's members other than the S3 one, as both a configuration and a merged update give them. */
type EndpointMembers = Omit<HttpEndpointUpdateInput, "S3Update">;

/** CreateDeliveryStream's HttpEndpointDestinationConfiguration, checked, with AWS's defaults. */
export function httpEndpointDestinationFrom(input: HttpEndpointConfigurationInput, lambdaFunctions: LambdaFunctions): HttpEndpointDestinationRecord {
  return recordOf(settingsFrom(input, destinationFrom(input.S3Configuration, false)), lambdaFunctions);
}

type LambdaFunctions = Readonly<Record<string, string>>;

/** The settings as the domain keeps them, with the ProcessingConfiguration interpreted. */
function recordOf(settings: HttpEndpointSettings, lambdaFunctions: LambdaFunctions): HttpEndpointDestinationRecord {
  const processing = processingFrom((settings.processingConfiguration ?? undefined) as ProcessingConfigurationInput | undefined, {
    lambdaFunctions,
    dynamicPartitioningEnabled: false,
    roleArn: settings.roleArn ?? settings.s3Backup.roleArn,
  });
  return { ...settings, kind: "HttpEndpoint", processing };
}

/** UpdateDestination of an HTTP endpoint destination: given members over the current ones, structures member-wise. */
export function mergeHttpEndpointUpdate(
  current: HttpEndpointSettings,
  update: HttpEndpointUpdateInput,
  lambdaFunctions: LambdaFunctions,
): HttpEndpointDestinationRecord {
  const base = membersOf(current);
  const { S3Update, ...given } = update;
  const merged: EndpointMembers = {
    ...base,
    ...given,
    EndpointConfiguration: { ...base.EndpointConfiguration, ...given.EndpointConfiguration } as EndpointMembers["EndpointConfiguration"],
    BufferingHints: { ...base.BufferingHints, ...given.BufferingHints },
    RequestConfiguration: { ...base.RequestConfiguration, ...given.RequestConfiguration },
    RetryOptions: { ...base.RetryOptions, ...given.RetryOptions },
  };
  const s3Backup = S3Update === undefined ? current.s3Backup : mergeUpdate(current.s3Backup, S3Update, false);
  return recordOf(settingsFrom(merged, s3Backup), lambdaFunctions);
}

/** DescribeDeliveryStream's HttpEndpointDestinationDescription: the settings, without the AccessKey (AWS hides it). */
export function httpEndpointDestinationDescriptionOf(settings: HttpEndpointSettings): Record<string, unknown> {
  const { EndpointConfiguration, ...members } = membersOf(settings);
  return {
    EndpointConfiguration: { Url: settings.url, ...(settings.name === null ? {} : { Name: settings.name }) },
    ...members,
    CloudWatchLoggingOptions: settings.cloudWatchLoggingOptions ?? { Enabled: false },
    S3DestinationDescription: s3DescriptionOf(settings.s3Backup),
  };
}

function settingsFrom(input: EndpointMembers, s3Backup: S3DestinationRecord): HttpEndpointSettings {
  const endpoint = input.EndpointConfiguration;
  if (endpoint?.Url === undefined) throw invalidArgument("EndpointConfiguration.Url is required for an HTTP endpoint destination.");
  if (!URL.canParse(endpoint.Url)) throw invalidArgument(`Url ${endpoint.Url} is not a valid URL.`);
  if (input.SecretsManagerConfiguration?.Enabled === true) {
    throw invalidArgument("SecretsManagerConfiguration is not supported by Freshet yet; give the EndpointConfiguration an AccessKey.");
  }
  const logging = input.CloudWatchLoggingOptions;
  return {
    url: endpoint.Url,
    name: endpoint.Name ?? null,
    accessKey: endpoint.AccessKey ?? null,
    sizeInMBs: input.BufferingHints?.SizeInMBs ?? firehoseLimits.httpEndpointDefaultBufferSizeMiB,
    intervalInSeconds: input.BufferingHints?.IntervalInSeconds ?? firehoseLimits.defaultBufferIntervalSeconds,
    contentEncoding: (input.RequestConfiguration?.ContentEncoding ?? "NONE") as HttpEndpointContentEncoding,
    commonAttributes: (input.RequestConfiguration?.CommonAttributes ?? []).map((attribute) => ({
      name: attribute.AttributeName,
      value: attribute.AttributeValue,
    })),
    retryDurationInSeconds: input.RetryOptions?.DurationInSeconds ?? firehoseLimits.httpEndpointDefaultRetryDurationSeconds,
    s3BackupMode: (input.S3BackupMode ?? "FailedDataOnly") as HttpEndpointS3BackupMode,
    s3Backup,
    roleArn: input.RoleARN ?? null,
    cloudWatchLoggingOptions: logging === undefined ? null : { ...logging },
    processingConfiguration: input.ProcessingConfiguration === undefined ? null : input.ProcessingConfiguration,
  };
}

/** The settings as the members of a configuration (S3 part aside), AccessKey included. */
function membersOf(settings: HttpEndpointSettings): EndpointMembers {
  return {
    EndpointConfiguration: {
      Url: settings.url,
      ...(settings.name === null ? {} : { Name: settings.name }),
      ...(settings.accessKey === null ? {} : { AccessKey: settings.accessKey }),
    },
    BufferingHints: { SizeInMBs: settings.sizeInMBs, IntervalInSeconds: settings.intervalInSeconds },
    ...(settings.cloudWatchLoggingOptions === null ? {} : { CloudWatchLoggingOptions: settings.cloudWatchLoggingOptions }),
    RequestConfiguration: {
      ContentEncoding: settings.contentEncoding,
      CommonAttributes: settings.commonAttributes.map(({ name, value }) => ({ AttributeName: name, AttributeValue: value })),
    },
    ...(settings.processingConfiguration === null
      ? {}
      : { ProcessingConfiguration: settings.processingConfiguration as EndpointMembers["ProcessingConfiguration"] }),
    ...(settings.roleArn === null ? {} : { RoleARN: settings.roleArn }),
    RetryOptions: { DurationInSeconds: settings.retryDurationInSeconds },
    S3BackupMode: settings.s3BackupMode,
  };
}
