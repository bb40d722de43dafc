/**
 * A Firehose stream's ProcessingConfiguration as the domain keeps it (plain JSON, so it is stored with the stream):
 * the processors in the order they were given, each with its parameters already checked and defaulted, and the
 * parameters as DescribeDeliveryStream shows them (a Lambda processor's with AWS's defaults filled in, others as given).
 */

/** A ProcessorParameter as DescribeDeliveryStream shows it. */
export interface ProcessorParameterSetting {
  readonly name: string;
  readonly value: string;
}

interface Given {
  readonly parameters: readonly ProcessorParameterSetting[];
}

export type ProcessorSetting =
  | (Given & { readonly type: "Decompression"; readonly compressionFormat: "GZIP" })
  | (Given & { readonly type: "CloudWatchLogProcessing"; readonly dataMessageExtraction: boolean })
  | (Given & {
      readonly type: "RecordDeAggregation";
      readonly subRecordType: "JSON" | "DELIMITED";
      /** DELIMITED: the delimiter's bytes, base64 (as AWS takes the parameter). */
      readonly delimiterBase64: string | null;
    })
  | (Given & {
      readonly type: "Lambda";
      readonly lambdaArn: string;
      /** As honoured: NumberOfRetries, or 3 when it is not a count (AWS does not check it). */
      readonly numberOfRetries: number;
      readonly bufferSizeInMBs: number;
      readonly bufferIntervalInSeconds: number;
    })
  | (Given & { readonly type: "MetadataExtraction"; readonly metadataExtractionQuery: string; readonly jsonParsingEngine: "JQ-1.6" })
  | (Given & {
      readonly type: "AppendDelimiterToRecord";
      /** The bytes appended to each record, base64 (a newline unless a Delimiter was given). */
      readonly delimiterBase64: string;
    });

export type ProcessorType = ProcessorSetting["type"];

export interface ProcessingSettings {
  /** Processors of a disabled configuration are kept (and described) but not run. */
  readonly enabled: boolean;
  readonly processors: readonly ProcessorSetting[];
}

/** DynamicPartitioningConfiguration: the retry duration is echoed; Freshet's S3 writes retry until they succeed. */
export interface DynamicPartitioningSettings {
  readonly enabled: boolean;
  readonly retryDurationInSeconds: number;
}

/**
 * The order Firehose runs processors in, whatever order the configuration lists them in: records are decompressed
 * and unwrapped first, then de-aggregated, then transformed by Lambda, then partition keys are extracted, and the
 * delimiter is appended last, to what will be written.
 */
export const processorOrder: readonly ProcessorType[] = [
  "Decompression",
  "CloudWatchLogProcessing",
  "RecordDeAggregation",
  "Lambda",
  "MetadataExtraction",
  "AppendDelimiterToRecord",
];
