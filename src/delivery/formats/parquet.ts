/**
 * Record format conversion (DataFormatConversionConfiguration): a flushed buffer of JSON records becomes one Apache
 * Parquet object with the columns of the Glue table the stream names. Records that cannot be read become
 * "format-conversion-failed" FailedRecords carrying Firehose's error codes and its `dataCatalogTable` block; the
 * rest are written, in arrival order, one row per JSON object.
 *
 * The object's key ends in `.parquet` (parquetObjectSuffix), as Firehose names converted objects; the S3
 * CompressionFormat stays UNCOMPRESSED, the compression being the ParquetSerDe's, inside the file.
 */
import { gzipSync } from "node:zlib";
import type { ColumnSource } from "hyparquet-writer/src/types.js";
import type { GlueTable } from "../../config/config.js";
import { firehoseLimits, formatConversionDefaults } from "../../config/limits.js";
import { invalidArgument } from "../errors.js";
import type { DeliveryRecord, FailedRecord } from "../pipeline.js";
import { type HiveField, HiveTypeError, parseHiveType } from "./hive-types.js";
import { ConversionFailure, type DeserializerRules, jsonDocuments, rowOf } from "./json-deserializer.js";
import { parquetSchemaOf } from "./parquet-schema.js";
import { compileTimestampFormat, hiveDate, hiveTimestamp, openXTimestamp, type TimestampFormat, TimestampFormatError } from "./timestamps.js";

export const parquetObjectSuffix = ".parquet";

/** SchemaConfiguration as given (echoed by DescribeDeliveryStream); null members were left out. */
export interface SchemaReference {
  readonly roleArn: string | null;
  readonly catalogId: string | null;
  readonly databaseName: string;
  readonly tableName: string;
  readonly region: string | null;
  readonly versionId: string | null;
}

export interface OpenXJsonDeserializer {
  readonly serDe: "OpenXJsonSerDe";
  /** Null members were left out (CaseInsensitive then defaults to true, ConvertDots… to false). */
  readonly caseInsensitive: boolean | null;
  readonly columnToJsonKeyMappings: Readonly<Record<string, string>> | null;
  readonly convertDotsInJsonKeysToUnderscores: boolean | null;
}

export interface HiveJsonDeserializer {
  readonly serDe: "HiveJsonSerDe";
  readonly timestampFormats: readonly string[] | null;
}

export type ParquetCompression = "UNCOMPRESSED" | "GZIP" | "SNAPPY";

/** ParquetSerDe as given; null members were left out and take formatConversionDefaults. */
export interface ParquetSerializer {
  readonly blockSizeBytes: number | null;
  readonly pageSizeBytes: number | null;
  readonly compression: ParquetCompression | null;
  readonly enableDictionaryCompression: boolean | null;
  readonly maxPaddingBytes: number | null;
  readonly writerVersion: "V1" | "V2" | null;
}

export interface FormatConversionSettings {
  readonly schema: SchemaReference;
  readonly deserializer: OpenXJsonDeserializer | HiveJsonDeserializer;
  readonly serializer: ParquetSerializer;
  /** The stream's region: where the Glue table is when SchemaConfiguration names none (dataCatalogTable.region). */
  readonly streamRegion: string;
}

/** The server config's declaration of the table the settings name, if any. */
export function glueTableFor(settings: FormatConversionSettings, glueTables: readonly GlueTable[]): GlueTable | undefined {
  return glueTables.find((table) => table.database === settings.schema.databaseName && table.table === settings.schema.tableName);
}

/**
 * Create/update-time checks of a conversion against its table: every column type must parse and every
 * TimestampFormats pattern compile. Throws InvalidArgumentException naming the problem.
 */
export function checkFormatConversion(settings: FormatConversionSettings, table: GlueTable): void {
  try {
    columnsOf(table);
    rulesOf(settings.deserializer);
  } catch (error) {
    if (error instanceof HiveTypeError) {
      throw invalidArgument(`The columns of Glue table ${table.database}.${table.table} cannot be converted to Parquet: ${error.message}`);
    }
    if (error instanceof TimestampFormatError) throw invalidArgument(error.message);
    throw error;
  }
}

/**
 * A buffer of records as one Parquet object (null when no record converted), and the records that failed.
 * `now` is the attempt's end, for attemptEndingTimestamp.
 */
export async function convertToParquet(
  records: readonly DeliveryRecord[],
  settings: FormatConversionSettings,
  table: GlueTable,
  now: number,
): Promise<{ body: Buffer | null; failed: FailedRecord[] }> {
  const columns = columnsOf(table);
  const rules = rulesOf(settings.deserializer);
  const failed: FailedRecord[] = [];
  // The writer loads on first use (on the conversion thread): servers that convert nothing never load it.
  const file = new ParquetFile(await import("hyparquet-writer"), columns, settings.serializer);
  for (const record of records) {
    try {
      file.add(jsonDocuments(record.data).map((document) => rowOf(document, columns, rules)), record.data.length);
    } catch (error) {
      if (!(error instanceof ConversionFailure)) throw error;
      failed.push(failureOf(record, error, settings, now));
    }
  }
  return { body: file.finish(), failed };
}

type ParquetWriterModule = typeof import("hyparquet-writer");

/**
 * One Parquet object written a row group per `formatConversionDefaults.rowGroupInputBytes` of JSON, so that only one
 * row group's rows are ever held as objects: a 128 MiB buffer of JSON parsed whole would take several times that.
 */
class ParquetFile {
  private output: InstanceType<ParquetWriterModule["ByteWriter"]> | null = null;
  private writer: InstanceType<ParquetWriterModule["ParquetWriter"]> | null = null;
  private rows: Record<string, unknown>[] = [];
  private rowsInputBytes = 0;
  private readonly encoding: { encoding?: "PLAIN" };

  constructor(
    private readonly parquetWriter: ParquetWriterModule,
    private readonly columns: readonly HiveField[],
    private readonly serializer: ParquetSerializer,
  ) {
    const dictionary = serializer.enableDictionaryCompression ?? formatConversionDefaults.enableDictionaryCompression;
    this.encoding = dictionary ? {} : { encoding: "PLAIN" };
  }

  /** A record's rows, made from `inputBytes` of JSON. */
  add(rows: readonly Record<string, unknown>[], inputBytes: number): void {
    this.rows.push(...rows);
    this.rowsInputBytes += inputBytes;
    if (this.rowsInputBytes >= formatConversionDefaults.rowGroupInputBytes) this.writeRowGroup();
  }

  /** The object, or null when no record made a row. */
  finish(): Buffer | null {
    this.writeRowGroup();
    if (this.writer === null || this.output === null) return null;
    void this.writer.finish();
    return Buffer.from(this.output.getBuffer());
  }

  private writeRowGroup(): void {
    if (this.rows.length === 0) return;
    if (this.writer === null) {
      const { ByteWriter, ParquetWriter } = this.parquetWriter;
      this.output = new ByteWriter();
      this.writer = new ParquetWriter({
        writer: this.output,
        schema: parquetSchemaOf(this.columns),
        codec: this.serializer.compression ?? formatConversionDefaults.parquetCompression,
        compressors: { GZIP: (input) => gzipSync(input) },
        createdBy: "Freshet (hyparquet-writer)",
      });
    }
    const rows = this.rows;
    const columnData: ColumnSource[] = this.columns.map((column) => ({ name: column.name, data: rows.map((row) => row[column.name]), ...this.encoding }));
    void this.writer.write({
      columnData,
      rowGroupSize: rows.length,
      pageSize: this.serializer.pageSizeBytes ?? formatConversionDefaults.parquetPageSizeBytes,
    });
    this.rows = [];
    this.rowsInputBytes = 0;
  }
}

const columnCache = new WeakMap<GlueTable, HiveField[]>();

function columnsOf(table: GlueTable): HiveField[] {
  let columns = columnCache.get(table);
  if (columns === undefined) {
    columns = table.columns.map((column) => {
      try {
        return { name: column.name, type: parseHiveType(column.type) };
      } catch (error) {
        if (error instanceof HiveTypeError) throw new HiveTypeError(`column ${column.name}: ${error.message}`);
        throw error;
      }
    });
    columnCache.set(table, columns);
  }
  return columns;
}

const compiledFormats = new Map<string, TimestampFormat>();

function rulesOf(deserializer: OpenXJsonDeserializer | HiveJsonDeserializer): DeserializerRules {
  if (deserializer.serDe === "OpenXJsonSerDe") {
    const caseInsensitive = deserializer.caseInsensitive ?? true;
    const dots = deserializer.convertDotsInJsonKeysToUnderscores ?? false;
    return {
      lenient: true,
      normalizeKey: (key) => {
        const underscored = dots ? key.replaceAll(".", "_") : key;
        return caseInsensitive ? underscored.toLowerCase() : underscored;
      },
      columnKeys: deserializer.columnToJsonKeyMappings ?? {},
      timestamp: openXTimestamp,
      date: hiveDate,
    };
  }
  const formats = (deserializer.timestampFormats ?? []).map((pattern) => {
    let format = compiledFormats.get(pattern);
    if (format === undefined) compiledFormats.set(pattern, (format = compileTimestampFormat(pattern)));
    return format;
  });
  return {
    lenient: false,
    // Hive lower-cases column names, and its JSON SerDe matches keys against them case-insensitively.
    normalizeKey: (key) => key.toLowerCase(),
    columnKeys: {},
    timestamp: (value) => hiveTimestamp(value, formats),
    date: hiveDate,
  };
}

/** Firehose's format-conversion failure record: the table block follows the Kinesis source fields. */
function failureOf(record: DeliveryRecord, failure: ConversionFailure, settings: FormatConversionSettings, now: number): FailedRecord {
  const { schema } = settings;
  const catalogId = schema.catalogId ?? firehoseLimits.accountId;
  const region = schema.region ?? settings.streamRegion;
  return {
    type: "format-conversion-failed",
    offset: record.offset,
    arrivedAt: record.arrivedAt,
    rawData: record.data,
    errorCode: failure.errorCode,
    errorMessage: failure.message,
    attemptsMade: 1,
    attemptEndingTimestamp: now,
    details: {
      ...(record.kinesis === undefined
        ? {}
        : {
            sequenceNumber: record.kinesis.sequenceNumber,
            ...(record.kinesis.subsequenceNumber === undefined ? {} : { subSequenceNumber: record.kinesis.subsequenceNumber }),
          }),
      dataCatalogTable: {
        catalogId,
        databaseName: schema.databaseName,
        tableName: schema.tableName,
        region,
        versionId: schema.versionId ?? "LATEST",
        catalogArn: `arn:aws:glue:${region}:${catalogId}:catalog`,
      },
    },
  };
}
