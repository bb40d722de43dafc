/**
 * DataFormatConversionConfiguration on the wire (ExtendedS3 destinations): its shapes, with the botocore model's
 * constraints, and the conversions between it and the domain's FormatConversionSettings, for
 * CreateDeliveryStream/UpdateDestination and for DescribeDeliveryStream.
 *
 * There is no Glue catalog: SchemaConfiguration's DatabaseName and TableName must name a table declared in the
 * server config (`firehose.glueTables`). Only Parquet output is supported; an OrcSerDe is refused by name.
 */
import type { GlueTable } from "../../config/config.js";
import { formatConversionDefaults } from "../../config/limits.js";
import { invalidArgument } from "../../delivery/errors.js";
import {
  checkFormatConversion,
  type FormatConversionSettings,
  glueTableFor,
  type HiveJsonDeserializer,
  type OpenXJsonDeserializer,
  type ParquetSerializer,
} from "../../delivery/formats/parquet.js";
import type { ValueOf } from "../aws/action.js";
import type { Shape } from "../aws/shapes.js";

const nonEmptyStringWithoutWhitespace = { type: "string", min: 1, max: 1024, pattern: "^\\S+$" } as const satisfies Shape;
const nonEmptyString = { type: "string", min: 1, max: 1024, pattern: "^(?!\\s*$).+" } as const satisfies Shape;
const proportion = { type: "double", min: 0, max: 1 } as const satisfies Shape;
const blockSizeBytes = { type: "integer", min: formatConversionDefaults.minBlockSizeBytes } as const satisfies Shape;

const schemaConfiguration = {
  type: "structure",
  members: {
    RoleARN: nonEmptyStringWithoutWhitespace,
    CatalogId: nonEmptyStringWithoutWhitespace,
    DatabaseName: nonEmptyStringWithoutWhitespace,
    TableName: nonEmptyStringWithoutWhitespace,
    Region: nonEmptyStringWithoutWhitespace,
    VersionId: nonEmptyStringWithoutWhitespace,
  },
} as const satisfies Shape;

const openXJsonSerDe = {
  type: "structure",
  members: {
    ConvertDotsInJsonKeysToUnderscores: { type: "boolean" },
    CaseInsensitive: { type: "boolean" },
    ColumnToJsonKeyMappings: { type: "map", key: nonEmptyStringWithoutWhitespace, value: nonEmptyString },
  },
} as const satisfies Shape;

const hiveJsonSerDe = {
  type: "structure",
  members: { TimestampFormats: { type: "list", member: nonEmptyString } },
} as const satisfies Shape;

const parquetSerDe = {
  type: "structure",
  members: {
    BlockSizeBytes: blockSizeBytes,
    PageSizeBytes: { type: "integer", min: formatConversionDefaults.minParquetPageSizeBytes },
    Compression: { type: "string", enum: ["UNCOMPRESSED", "GZIP", "SNAPPY"] },
    EnableDictionaryCompression: { type: "boolean" },
    MaxPaddingBytes: { type: "integer", min: 0 },
    WriterVersion: { type: "string", enum: ["V1", "V2"] },
  },
} as const satisfies Shape;

/** Declared in full so requests validate as AWS validates them, though an OrcSerDe is then refused. */
const orcSerDe = {
  type: "structure",
  members: {
    StripeSizeBytes: { type: "integer", min: 8 * 1024 * 1024 },
    BlockSizeBytes: blockSizeBytes,
    RowIndexStride: { type: "integer", min: 1000 },
    EnablePadding: { type: "boolean" },
    PaddingTolerance: proportion,
    Compression: { type: "string", enum: ["NONE", "ZLIB", "SNAPPY"] },
    BloomFilterColumns: { type: "list", member: nonEmptyStringWithoutWhitespace },
    BloomFilterFalsePositiveProbability: proportion,
    DictionaryKeyThreshold: proportion,
    FormatVersion: { type: "string", enum: ["V0_11", "V0_12"] },
  },
} as const satisfies Shape;

export const dataFormatConversionConfiguration = {
  type: "structure",
  members: {
    SchemaConfiguration: schemaConfiguration,
    InputFormatConfiguration: {
      type: "structure",
      members: { Deserializer: { type: "structure", members: { OpenXJsonSerDe: openXJsonSerDe, HiveJsonSerDe: hiveJsonSerDe } } },
    },
    OutputFormatConfiguration: {
      type: "structure",
      members: { Serializer: { type: "structure", members: { ParquetSerDe: parquetSerDe, OrcSerDe: orcSerDe } } },
    },
    Enabled: { type: "boolean" },
  },
} as const satisfies Shape;

export type DataFormatConversionWire = ValueOf<typeof dataFormatConversionConfiguration>;

/**
 * The domain settings of a configuration as given to CreateDeliveryStream or UpdateDestination; null when there is
 * none or it is disabled (Enabled defaults to true). Throws InvalidArgumentException for what Firehose refuses and
 * for what Freshet cannot do (ORC; a table the server config does not declare; types it cannot convert).
 */
export function formatConversionFrom(
  wire: DataFormatConversionWire | undefined,
  glueTables: readonly GlueTable[],
  streamRegion: string,
): FormatConversionSettings | null {
  if (wire === undefined || wire.Enabled === false) return null;
  const schema = wire.SchemaConfiguration;
  const deserializer = wire.InputFormatConfiguration?.Deserializer;
  const serializer = wire.OutputFormatConfiguration?.Serializer;
  if (schema === undefined) throw required("SchemaConfiguration");
  if (deserializer === undefined) throw required("InputFormatConfiguration");
  if (serializer === undefined) throw required("OutputFormatConfiguration");
  for (const member of ["RoleARN", "DatabaseName", "TableName"] as const) {
    if (schema[member] === undefined) throw invalidArgument(`SchemaConfiguration.${member} is required when DataFormatConversionConfiguration is enabled.`);
  }
  if ((deserializer.OpenXJsonSerDe === undefined) === (deserializer.HiveJsonSerDe === undefined)) {
    throw invalidArgument("Exactly one of OpenXJsonSerDe and HiveJsonSerDe must be specified in InputFormatConfiguration.Deserializer.");
  }
  if ((serializer.ParquetSerDe === undefined) === (serializer.OrcSerDe === undefined)) {
    throw invalidArgument("Exactly one of ParquetSerDe and OrcSerDe must be specified in OutputFormatConfiguration.Serializer.");
  }
  if (serializer.ParquetSerDe === undefined) {
    throw invalidArgument("OrcSerDe is not supported by Freshet: record format conversion writes Apache Parquet only (use ParquetSerDe).");
  }
  const settings: FormatConversionSettings = {
    schema: {
      roleArn: schema.RoleARN ?? null,
      catalogId: schema.CatalogId ?? null,
      databaseName: schema.DatabaseName ?? "",
      tableName: schema.TableName ?? "",
      region: schema.Region ?? null,
      versionId: schema.VersionId ?? null,
    },
    deserializer: deserializerFrom(deserializer),
    serializer: serializerFrom(serializer.ParquetSerDe),
    streamRegion,
  };
  const table = glueTableFor(settings, glueTables);
  if (table === undefined) {
    throw invalidArgument(
      `Glue table ${settings.schema.databaseName}.${settings.schema.tableName} is not declared: Freshet has no Glue Data Catalog, so declare the table (database, table and its columns) under firehose.glueTables in the server config.`,
    );
  }
  checkFormatConversion(settings, table);
  return settings;
}

/**
 * Firehose's requirements of a destination that converts, besides its compression (checkCompressionFormat in
 * src/delivery/compression.ts): a buffer of at least 64 MiB.
 */
export function checkConversionBuffering(sizeInMBs: number): void {
  if (sizeInMBs < formatConversionDefaults.minBufferSizeMiB) {
    throw invalidArgument(
      `BufferingHints.SizeInMBs must be at least ${formatConversionDefaults.minBufferSizeMiB} when DataFormatConversionConfiguration is enabled.`,
    );
  }
}

/** The settings as DescribeDeliveryStream shows them: the members that were given, and Enabled. */
export function formatConversionConfigurationOf(settings: FormatConversionSettings): DataFormatConversionWire {
  const { schema, deserializer, serializer } = settings;
  return {
    SchemaConfiguration: present({
      RoleARN: schema.roleArn,
      CatalogId: schema.catalogId,
      DatabaseName: schema.databaseName,
      TableName: schema.tableName,
      Region: schema.region,
      VersionId: schema.versionId,
    }),
    InputFormatConfiguration: {
      Deserializer:
        deserializer.serDe === "OpenXJsonSerDe"
          ? {
              OpenXJsonSerDe: present({
                ConvertDotsInJsonKeysToUnderscores: deserializer.convertDotsInJsonKeysToUnderscores,
                CaseInsensitive: deserializer.caseInsensitive,
                ColumnToJsonKeyMappings: deserializer.columnToJsonKeyMappings === null ? null : { ...deserializer.columnToJsonKeyMappings },
              }),
            }
          : { HiveJsonSerDe: present({ TimestampFormats: deserializer.timestampFormats === null ? null : [...deserializer.timestampFormats] }) },
    },
    OutputFormatConfiguration: {
      Serializer: {
        ParquetSerDe: present({
          BlockSizeBytes: serializer.blockSizeBytes,
          PageSizeBytes: serializer.pageSizeBytes,
          Compression: serializer.compression,
          EnableDictionaryCompression: serializer.enableDictionaryCompression,
          MaxPaddingBytes: serializer.maxPaddingBytes,
          WriterVersion: serializer.writerVersion,
        }),
      },
    },
    Enabled: true,
  };
}

type Deserializer = NonNullable<NonNullable<DataFormatConversionWire["InputFormatConfiguration"]>["Deserializer"]>;

function deserializerFrom(deserializer: Deserializer): OpenXJsonDeserializer | HiveJsonDeserializer {
  const openX = deserializer.OpenXJsonSerDe;
  if (openX !== undefined) {
    return {
      serDe: "OpenXJsonSerDe",
      caseInsensitive: openX.CaseInsensitive ?? null,
      columnToJsonKeyMappings: openX.ColumnToJsonKeyMappings ?? null,
      convertDotsInJsonKeysToUnderscores: openX.ConvertDotsInJsonKeysToUnderscores ?? null,
    };
  }
  return { serDe: "HiveJsonSerDe", timestampFormats: deserializer.HiveJsonSerDe?.TimestampFormats ?? null };
}

function serializerFrom(parquet: ValueOf<typeof parquetSerDe>): ParquetSerializer {
  return {
    blockSizeBytes: parquet.BlockSizeBytes ?? null,
    pageSizeBytes: parquet.PageSizeBytes ?? null,
    compression: parquet.Compression ?? null,
    enableDictionaryCompression: parquet.EnableDictionaryCompression ?? null,
    maxPaddingBytes: parquet.MaxPaddingBytes ?? null,
    writerVersion: parquet.WriterVersion ?? null,
  };
}

function required(member: string) {
  return invalidArgument(`${member} is required when DataFormatConversionConfiguration is enabled.`);
}

/** The members that are not null (left-out members are left out of the description too). */
function present<T extends Record<string, unknown>>(members: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(members).filter(([, value]) => value !== null)) as { [K in keyof T]?: Exclude<T[K], null> };
}
