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

const processorTypes = [
  "RecordDeAggregation",
  "Decompression",
  "CloudWatchLogProcessing",
  "Lambda",
  "MetadataExtraction",
  "AppendDelimiterToRecord",
] as const;
const parameterNames = [
  "LambdaArn",
  "NumberOfRetries",
  "MetadataExtractionQuery",
  "JsonParsingEngine",
  "RoleArn",
  "BufferSizeInMBs",
  "BufferIntervalInSeconds",
  "SubRecordType",
  "Delimiter",
  "CompressionFormat",
  "DataMessageExtraction",
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
}

/** What each processor type takes; the required ones first. */
const parametersOf: Readonly<Record<ProcessorType, { required: readonly ParameterName[]; optional: readonly ParameterName[] }>> = {
  Lambda: { required: ["LambdaArn"], optional: ["NumberOfRetries", "RoleArn", "BufferSizeInMBs", "BufferIntervalInSeconds"] },
  MetadataExtraction: { required: ["MetadataExtractionQuery", "JsonParsingEngine"], optional: [] },
  RecordDeAggregation: { required: ["SubRecordType"], optional: ["Delimiter"] },
  AppendDelimiterToRecord: { required: [], optional: ["Delimiter"] },
  Decompression: { required: [], optional: ["CompressionFormat"] },
  CloudWatchLogProcessing: { required: ["DataMessageExtraction"], optional: [] },
};

/** The processors that only make sense with dynamic partitioning. */
const partitioningOnly: readonly ProcessorType[] = ["MetadataExtraction", "RecordDeAggregation"];

/** The domain settings of a ProcessingConfiguration, checked as Firehose checks it; null when none was given. */
export function processingFrom(input: ProcessingConfigurationInput | undefined, context: ProcessingCheckContext): ProcessingSettings | null {
  if (input === undefined) {
    if (context.dynamicPartitioningEnabled) throw partitioningWithoutKeys();
    return null;
  }
  const enabled = input.Enabled ?? false;
  const seen = new Set<ProcessorType>();
  const processors = (input.Processors ?? []).map((processor) => {
    if (seen.has(processor.Type)) throw invalidArgument(`Only one processor of type ${processor.Type} is allowed in a ProcessingConfiguration.`);
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

function processorFrom(
  type: ProcessorType,
  given: ReadonlyArray<{ ParameterName: ParameterName; ParameterValue: string }>,
  context: ProcessingCheckContext,
): ProcessorSetting {
  const { required, optional } = parametersOf[type];
  const values = new Map<ParameterName, string>();
  for (const { ParameterName: name, ParameterValue: value } of given) {
    if (!required.includes(name) && !optional.includes(name)) {
      throw invalidArgument(`Parameter ${name} is not supported for processor type ${type}. Supported parameters: ${[...required, ...optional].join(", ")}.`);
    }
    if (values.has(name)) throw invalidArgument(`Parameter ${name} is given more than once for processor type ${type}.`);
    values.set(name, value);
  }
  for (const name of required) {
    if (!values.has(name)) throw invalidArgument(`Processor type ${type} requires the parameter ${name}.`);
  }
  const parameters: ProcessorParameterSetting[] = given.map(({ ParameterName: name, ParameterValue: value }) => ({ name, value }));
  const value = (name: ParameterName): string | undefined => values.get(name);
  switch (type) {
    case "Lambda": {
      const lambdaArn = value("LambdaArn") as string;
      if (!/^arn:[^:]+:lambda:[^:]+:\d{12}:function:[a-zA-Z0-9_-]+(:[a-zA-Z0-9_$-]+)?$/.test(lambdaArn)) {
        throw invalidArgument(`LambdaArn ${lambdaArn} is not a valid Lambda function ARN.`);
      }
      if (lambdaFunctionUrl(lambdaArn, context.lambdaFunctions) === null) {
        throw invalidArgument(
          `Lambda function ${lambdaArn} has no URL in Freshet's settings: map its ARN to the URL of an HTTP endpoint acting as the function in firehose.lambdaFunctions.`,
        );
      }
      const limits = firehoseProcessingLimits;
      return {
        type,
        parameters,
        lambdaArn,
        numberOfRetries: number(value("NumberOfRetries"), "NumberOfRetries", limits.lambdaNumberOfRetriesRange, true) ?? limits.lambdaDefaultNumberOfRetries,
        bufferSizeInMBs: number(value("BufferSizeInMBs"), "BufferSizeInMBs", limits.lambdaBufferSizeMiBRange, false) ?? limits.lambdaDefaultBufferSizeMiB,
        bufferIntervalInSeconds:
          number(value("BufferIntervalInSeconds"), "BufferIntervalInSeconds", limits.lambdaBufferIntervalSecondsRange, true) ??
          limits.lambdaDefaultBufferIntervalSeconds,
      };
    }
    case "MetadataExtraction": {
      const engine = value("JsonParsingEngine");
      if (engine !== "JQ-1.6") throw invalidArgument(`JsonParsingEngine ${engine} is not supported; the supported engine is JQ-1.6.`);
      return { type, parameters, metadataExtractionQuery: value("MetadataExtractionQuery") as string, jsonParsingEngine: engine };
    }
    case "RecordDeAggregation": {
      const subRecordType = value("SubRecordType");
      if (subRecordType !== "JSON" && subRecordType !== "DELIMITED") {
        throw invalidArgument(`SubRecordType ${subRecordType} is not supported; it must be JSON or DELIMITED.`);
      }
      const delimiter = value("Delimiter");
      if (subRecordType === "DELIMITED" && delimiter === undefined) throw invalidArgument("SubRecordType DELIMITED requires the parameter Delimiter.");
      return { type, parameters, subRecordType, delimiterBase64: subRecordType === "DELIMITED" ? base64Delimiter(delimiter as string) : null };
    }
    case "AppendDelimiterToRecord": {
      const delimiter = value("Delimiter");
      return { type, parameters, delimiterBase64: delimiter === undefined ? Buffer.from("\n").toString("base64") : base64Delimiter(delimiter) };
    }
    case "Decompression": {
      const format = value("CompressionFormat") ?? "GZIP";
      if (format !== "GZIP") throw invalidArgument(`CompressionFormat ${format} is not supported for Decompression; it must be GZIP.`);
      return { type, parameters, compressionFormat: format };
    }
    case "CloudWatchLogProcessing": {
      const extraction = value("DataMessageExtraction");
      if (extraction !== "true" && extraction !== "false") {
        throw invalidArgument(`DataMessageExtraction ${extraction} is not supported; it must be true or false.`);
      }
      return { type, parameters, dataMessageExtraction: extraction === "true" };
    }
  }
}

function number(text: string | undefined, name: ParameterName, [min, max]: readonly [number, number], integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw invalidArgument(`${name} must be ${integer ? "an integer" : "a number"} between ${min} and ${max}; got ${text}.`);
  }
  return value;
}

/** A delimiter parameter is base64 (`IyMjIw==` for `####`). */
function base64Delimiter(text: string): string {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length === 0 || bytes.toString("base64") !== text) throw invalidArgument(`Delimiter ${text} is not valid base64-encoded text.`);
  return text;
}

/** ProcessingConfiguration as DescribeDeliveryStream shows it: the processors and parameters as given. */
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
