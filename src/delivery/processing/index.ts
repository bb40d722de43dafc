/**
 * A stream's processing, as the delivery loop runs it on the records it reads: `buildProcessors` turns the
 * stream's ProcessingSettings into stages in the order Firehose runs them (whatever order they were listed in),
 * with KPL de-aggregation first for a stream that reads a Kinesis data stream; `runProcessors` chains them, each
 * stage taking what the previous delivered and the failures adding up.
 */
import type { Clock } from "../../util/clock.js";
import type { DeliveryRecord, FailedRecord, ProcessingOutcome, Processor } from "../pipeline.js";
import { decompressRecords, extractLogMessages } from "./cloudwatch-logs.js";
import { deaggregateKplRecords } from "./kpl-aggregation.js";
import { lambdaFunctionUrl } from "./lambda-functions.js";
import { lambdaProcessor } from "./lambda.js";
import { metadataExtractionProcessor } from "./metadata-extraction.js";
import { recordDeaggregationProcessor } from "./record-deaggregation.js";
import { type ProcessingSettings, type ProcessorSetting, processorOrder } from "./settings.js";

export interface ProcessingContext {
  readonly deliveryStreamArn: string;
  readonly region: string;
  /** Lambda function ARN → URL (`firehose.lambdaFunctions` in the settings). */
  readonly lambdaFunctions: Readonly<Record<string, string>>;
  /** Set for a KinesisStreamAsSource stream: its records are KPL de-aggregated and Lambda events name the stream. */
  readonly sourceKinesisStreamArn?: string;
  readonly clock: Clock;
}

export function buildProcessors(settings: ProcessingSettings | null, context: ProcessingContext): Processor[] {
  const processors: Processor[] = context.sourceKinesisStreamArn === undefined ? [] : [deaggregateKplRecords];
  if (settings === null || !settings.enabled) return processors;
  const ordered = [...settings.processors].sort((a, b) => processorOrder.indexOf(a.type) - processorOrder.indexOf(b.type));
  return [...processors, ...ordered.map((setting) => processorFor(setting, context))];
}

function processorFor(setting: ProcessorSetting, context: ProcessingContext): Processor {
  switch (setting.type) {
    case "Decompression":
      return decompressRecords;
    case "CloudWatchLogProcessing":
      return setting.dataMessageExtraction ? extractLogMessages : async (records) => ({ delivered: [...records], failed: [] });
    case "RecordDeAggregation":
      return recordDeaggregationProcessor(
        setting.subRecordType,
        setting.delimiterBase64 === null ? null : Buffer.from(setting.delimiterBase64, "base64"),
      );
    case "Lambda":
      return lambdaProcessor({
        lambdaArn: setting.lambdaArn,
        url: lambdaFunctionUrl(setting.lambdaArn, context.lambdaFunctions),
        numberOfRetries: setting.numberOfRetries,
        bufferSizeInMBs: setting.bufferSizeInMBs,
        deliveryStreamArn: context.deliveryStreamArn,
        region: context.region,
        ...(context.sourceKinesisStreamArn === undefined ? {} : { sourceKinesisStreamArn: context.sourceKinesisStreamArn }),
        clock: context.clock,
      });
    case "MetadataExtraction":
      return metadataExtractionProcessor(setting.metadataExtractionQuery, context.clock);
    case "AppendDelimiterToRecord": {
      const delimiter = Buffer.from(setting.delimiterBase64, "base64");
      return async (records) => ({
        delivered: records.map((record) => ({ ...record, data: Buffer.concat([record.data, delimiter]) })),
        failed: [],
      });
    }
  }
}

/** Runs the stages in turn; a record dropped or failed by one stage goes no further. */
export async function runProcessors(
  processors: readonly Processor[],
  records: readonly DeliveryRecord[],
  stop?: AbortSignal,
): Promise<ProcessingOutcome> {
  let delivered: readonly DeliveryRecord[] = records;
  const failed: FailedRecord[] = [];
  for (const processor of processors) {
    if (delivered.length === 0) break;
    const outcome = await processor(delivered, stop);
    delivered = outcome.delivered;
    failed.push(...outcome.failed);
  }
  return { delivered: [...delivered], failed };
}

export type { ProcessingSettings, ProcessorSetting, DynamicPartitioningSettings } from "./settings.js";
export { lambdaFunctionUrl } from "./lambda-functions.js";
