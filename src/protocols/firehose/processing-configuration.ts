/**
 * ProcessingConfiguration and DynamicPartitioningConfiguration between the wire and the domain: the input shapes
 * (botocore's enums and constraints), the checks CreateDeliveryStream and UpdateDestination make on a processor's
 * parameters (which a type takes, which it needs, their ranges), and the description DescribeDeliveryStream gives,
 * which echoes the parameters as they were given.
 */
import { firehoseProcessingLimits } from "../../config/limits.js";
import { invalidArgument } from "../../delivery/errors.js";
import { lambdaFunctionUrl } from "../../delivery/processing/lambda-functions.js";
import type {
  DynamicPartitioningSettings,
  ProcessingSettings,
  ProcessorParameterSetting,
  ProcessorSetting,
  ProcessorType,
} from "../../delivery/processing/settings.js";
import type { ValueOf } from "../aws/action.js";
import type { Shape } from "../aws/shapes.js";

/** In the order AWS lists them in a ValidationException (neither the model's order nor alphabetical). */
const processorTypes = [
  "Decompression",
  "Lambda",
  "RecordDeAggregation",
  "MetadataExtraction",
  "AppendDelimiterToRecord",
  "CloudWatchLogProcessing",
] as const;
const parameterNames = [
  "DataMessageExtraction",
  "NumberOfRetries",
  "Delimiter",
  "RoleArn",
  "JsonParsingEngine",
  "SubRecordType",
  "MetadataExtractionQuery",
  "BufferIntervalInSeconds",
  "LambdaArn",
  "BufferSizeInMBs",
  "CompressionFormat",
] as const;
type ParameterName = (typeof parameterNames)[number];

export const processingConfiguration = {
  type: "structure",
  members: {
    Enabled: { type: "boolean" },
    Processors: {
      type: "list",
      member: {
        type: "structure",
        members: {
          Type: { type: "string", required: true, enum: processorTypes },
          Parameters: {
            type: "list",
            member: {
              type: "structure",
              members: {
                ParameterName: { type: "string", required: true, enum: parameterNames },
                ParameterValue: { type: "string", required: true, min: 1, max: 5120, pattern: "^(?!\\s*$).+" },
              },
            },
          },
        },
      },
    },
  },
} as const satisfies Shape;

export const dynamicPartitioningConfiguration = {
  type: "structure",
  members: {
    RetryOptions: {
      type: "structure",
      members: {
        DurationInSeconds: {
          type: "integer",
          min: firehoseProcessingLimits.dynamicPartitioningRetrySecondsRange[0],
          max: firehoseProcessingLimits.dynamicPartitioningRetrySecondsRange[1],
        },
      },
    },
    Enabled: { type: "boolean" },
  },
} as const satisfies Shape;

export type ProcessingConfigurationInput = ValueOf<typeof processingConfiguration>;
export type DynamicPartitioningConfigurationInput = ValueOf<typeof dynamicPartitioningConfiguration>;

export interface ProcessingCheckContext {
  /** `firehose.lambdaFunctions`: a Lambda processor's function must have a URL there. */
  readonly lambdaFunctions: Readonly<Record<string, string>>;
  readonly dynamicPartitioningEnabled: boolean;
  /** The destination's RoleARN, which a Lambda processor takes as its RoleArn unless given one. */
  readonly roleArn: string;
}

/** The processors that only make sense with dynamic partitioning. */
const partitioningOnly: readonly ProcessorType[] = ["MetadataExtraction", "RecordDeAggregation"];

/** A Lambda function ARN, optionally with a version or alias, as Lambda names functions. */
const lambdaArnPattern = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/;

type GivenParameters = ReadonlyArray<{ ParameterName: ParameterName; ParameterValue: string }>;

/**
 * The domain settings of a ProcessingConfiguration, checked as Firehose checks it (AWS's wording where known); null
 * when none was given. An update replaces the whole configuration, so it is checked on its own.
 */
export function processingFrom(
  input: ProcessingConfigurationInput | undefined,
  context: ProcessingCheckContext,
): ProcessingSettings | null {
  if (input === undefined) {
    if (context.dynamicPartitioningEnabled) throw partitioningWithoutKeys();
    return null;
  }
  // An omitted Enabled is described as false, and nothing runs.
  const enabled = input.Enabled ?? false;
  const seen = new Set<ProcessorType>();
  const processors = (input.Processors ?? []).map((processor) => {
    if (seen.has(processor.Type)) throw invalidArgument(`Cannot have more than 1 ${processor.Type} processor.`);
    seen.add(processor.Type);
    return processorFrom(processor.Type, processor.Parameters ?? [], context);
  });
  if (enabled && !context.dynamicPartitioningEnabled) {
    const needing = processors.find((processor) => partitioningOnly.includes(processor.type));
    if (needing !== undefined) {
      throw invalidArgument(`Processor type ${needing.type} is only supported when DynamicPartitioningConfiguration is enabled.`);
    }
  }
  if (context.dynamicPartitioningEnabled && !(enabled && processors.some((p) => p.type === "Lambda" || p.type === "MetadataExtraction"))) {
    throw partitioningWithoutKeys();
  }
  return { enabled, processors };
}

function partitioningWithoutKeys() {
  return invalidArgument(
    "Dynamic partitioning needs partitioning keys: enable the ProcessingConfiguration with a MetadataExtraction or a Lambda processor.",
  );
}

/** A processor's settings. Parameters a type does not use are kept (and echoed) but ignored. */
function processorFrom(type: ProcessorType, given: GivenParameters, context: ProcessingCheckContext): ProcessorSetting {
  const values = new Map<ParameterName, string>();
  for (const { ParameterName: name, ParameterValue: value } of given) {
    if (values.has(name)) throw invalidArgument("Duplicate ProcessorParameter passed to ProcessingConfiguration.");
    values.set(name, value);
  }
  const asGiven: ProcessorParameterSetting[] = given.map(({ ParameterName: name, ParameterValue: value }) => ({ name, value }));
  switch (type) {
    case "Lambda":
      return lambdaFrom(values, context);
    case "MetadataExtraction": {
      const query = values.get("MetadataExtractionQuery");
      if (query === undefined) throw invalidArgument("MetadataExtractionQuery is required when MetadataExtraction processor is used.");
      if (values.get("JsonParsingEngine") !== "JQ-1.6") {
        throw invalidArgument("MetaDataExtraction JSON Parsing Engine has to be one of JQ-1.6");
      }
      return { type, parameters: asGiven, metadataExtractionQuery: query, jsonParsingEngine: "JQ-1.6" };
    }
    case "RecordDeAggregation": {
      const subRecordType = values.get("SubRecordType");
      if (subRecordType !== "JSON" && subRecordType !== "DELIMITED") {
        const given = subRecordType ?? "(missing)";
        throw invalidArgument(`SubRecordType ${given} is not supported for RecordDeAggregation; it must be JSON or DELIMITED.`);
      }
      const delimiter = values.get("Delimiter");
      if (subRecordType === "JSON") return { type, parameters: asGiven, subRecordType, delimiterBase64: null };
      if (delimiter === undefined) throw invalidArgument("Delimiter is required when SubRecordType is DELIMITED.");
      if (!isBase64(delimiter)) throw invalidArgument(`Delimiter ${delimiter} must be base64-encoded (e.g. IyMjIw== for ####).`);
      return { type, parameters: asGiven, subRecordType, delimiterBase64: delimiter };
    }
    case "AppendDelimiterToRecord": {
      const delimiter = values.get("Delimiter");
      const bytes = delimiter === undefined ? Buffer.from("\n") : delimiterBytes(delimiter);
      return { type, parameters: asGiven, delimiterBase64: bytes.toString("base64") };
    }
    case "Decompression": {
      const format = values.get("CompressionFormat") ?? "GZIP";
      if (format !== "GZIP") throw invalidArgument(`CompressionFormat ${format} is not supported for Decompression; it must be GZIP.`);
      return { type, parameters: asGiven, compressionFormat: format };
    }
    case "CloudWatchLogProcessing": {
      const extraction = values.get("DataMessageExtraction");
      if (extraction !== "true" && extraction !== "false") {
        throw invalidArgument(`DataMessageExtraction ${extraction ?? "(missing)"} is not supported; it must be true or false.`);
      }
      return { type, parameters: asGiven, dataMessageExtraction: extraction === "true" };
    }
  }
}

/**
 * A Lambda processor, whose parameters Firehose stores with its defaults filled in and in a fixed order (which
 * DescribeDeliveryStream shows): LambdaArn, NumberOfRetries, RoleArn, BufferSizeInMBs, BufferIntervalInSeconds.
 * AWS does not range-check NumberOfRetries, nor does it require the function to exist; Freshet does require a URL
 * for it, since it has nothing else to invoke.
 */
function lambdaFrom(values: ReadonlyMap<ParameterName, string>, context: ProcessingCheckContext): ProcessorSetting {
  const lambdaArn = values.get("LambdaArn");
  if (lambdaArn === undefined) throw invalidArgument("LambdaArn is required when Lambda processor is used.");
  if (!lambdaArnPattern.test(lambdaArn)) throw invalidArgument("Invalid lambda ARN.");
  const size = values.get("BufferSizeInMBs");
  const interval = values.get("BufferIntervalInSeconds");
  if ((size === undefined) !== (interval === undefined)) {
    throw invalidArgument("Both BufferSizeInMBs and BufferIntervalInSeconds are required to configure buffering for lambda processor.");
  }
  const limits = firehoseProcessingLimits;
  const bufferSizeInMBs =
    size === undefined ? limits.lambdaDefaultBufferSizeMiB : inRange(size, "BufferSizeInMBs", limits.lambdaBufferSizeMiBRange, false);
  const bufferIntervalInSeconds =
    interval === undefined
      ? limits.lambdaDefaultBufferIntervalSeconds
      : inRange(interval, "BufferIntervalInSeconds", limits.lambdaBufferIntervalSecondsRange, true);
  if (lambdaFunctionUrl(lambdaArn, context.lambdaFunctions) === null) {
    throw invalidArgument(
      `Lambda function ${lambdaArn} has no URL in Freshet's settings: ` +
        "map its ARN to the URL of an HTTP endpoint acting as the function in firehose.lambdaFunctions.",
    );
  }
  const retries = values.get("NumberOfRetries") ?? String(limits.lambdaDefaultNumberOfRetries);
  const stored: Array<[ParameterName, string]> = [
    ["LambdaArn", lambdaArn],
    ["NumberOfRetries", retries],
    ["RoleArn", values.get("RoleArn") ?? context.roleArn],
    ["BufferSizeInMBs", size ?? String(limits.lambdaDefaultBufferSizeMiB)],
    ["BufferIntervalInSeconds", interval ?? String(limits.lambdaDefaultBufferIntervalSeconds)],
  ];
  return {
    type: "Lambda",
    parameters: stored.map(([name, value]) => ({ name, value })),
    lambdaArn,
    numberOfRetries: retriesHonoured(retries),
    bufferSizeInMBs,
    bufferIntervalInSeconds,
  };
}

/** NumberOfRetries as Freshet honours it: a count that is not one falls back to AWS's default, a huge one is capped. */
function retriesHonoured(text: string): number {
  const limits = firehoseProcessingLimits;
  if (!/^\s*\d+\s*$/.test(text)) return limits.lambdaDefaultNumberOfRetries;
  return Math.min(Number(text), limits.lambdaMaxNumberOfRetries);
}

function inRange(text: string, name: ParameterName, [min, max]: readonly [number, number], integer: boolean): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw invalidArgument(`${name} must be ${integer ? "an integer" : "a number"} between ${min} and ${max}; got ${text}.`);
  }
  return value;
}

function isBase64(text: string): boolean {
  const bytes = Buffer.from(text, "base64");
  return bytes.length > 0 && bytes.toString("base64") === text;
}

/**
 * AppendDelimiterToRecord's Delimiter: base64 as elsewhere, but tools commonly pass the escaped text `\n` (a
 * backslash and an n), which AWS accepts; base64 is decoded, anything else is read as text with `\n`, `\r`, `\t`
 * and `\\` escapes.
 */
function delimiterBytes(text: string): Buffer {
  if (isBase64(text)) return Buffer.from(text, "base64");
  const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\" };
  return Buffer.from(text.replace(/\\([nrt\\])/g, (_, c: string) => escapes[c] as string));
}

/** ProcessingConfiguration as DescribeDeliveryStream shows it: a Lambda's parameters as stored, others as given. */
export function processingConfigurationOf(settings: ProcessingSettings): ProcessingConfigurationInput {
  return {
    Enabled: settings.enabled,
    Processors: settings.processors.map((processor) => ({
      Type: processor.type,
      Parameters: processor.parameters.map(({ name, value }) => ({ ParameterName: name as ParameterName, ParameterValue: value })),
    })),
  };
}

/** DynamicPartitioningConfiguration's settings; null when it was not given. */
export function dynamicPartitioningFrom(input: DynamicPartitioningConfigurationInput | undefined): DynamicPartitioningSettings | null {
  if (input === undefined) return null;
  return {
    enabled: input.Enabled ?? false,
    retryDurationInSeconds: input.RetryOptions?.DurationInSeconds ?? firehoseProcessingLimits.dynamicPartitioningDefaultRetrySeconds,
  };
}

/** As DescribeDeliveryStream shows it, with the default retry duration filled in, as AWS does. */
export function dynamicPartitioningConfigurationOf(settings: DynamicPartitioningSettings): DynamicPartitioningConfigurationInput {
  return { RetryOptions: { DurationInSeconds: settings.retryDurationInSeconds }, Enabled: settings.enabled };
}
