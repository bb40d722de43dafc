/**
 * Server configuration: defaults, overridden by a config file (YAML or JSON), then by FRESHET_* environment
 * variables, then by command-line flags. Every source is validated with the same schema, and a bad value names
 * its source.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { serverDefaults } from "./limits.js";

export const fsyncPolicies = ["always", "interval", "never"] as const;
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A stream that exists as soon as the server starts (created if missing; an existing one is left as it is). */
const declaredStreamSchema = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, "a stream name: 1–128 of [a-zA-Z0-9_.-]"),
    region: z.string().regex(/^[a-z0-9-]+$/).optional(),
    shardCount: z.number().int().min(1).optional(),
    mode: z.enum(["PROVISIONED", "ON_DEMAND"]).optional(),
    retentionHours: z.number().int().min(24).max(8760).optional(),
    tags: z.record(z.string(), z.string()).optional(),
    /** Enhanced fan-out consumers registered at start if missing. */
    consumers: z.array(z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, "a consumer name: 1–128 of [a-zA-Z0-9_.-]")).optional(),
  })
  .strict();

export type DeclaredStream = z.output<typeof declaredStreamSchema>;

/**
 * A Glue table's columns, declared here because there is no Glue catalog: a Firehose stream's
 * DataFormatConversionConfiguration.SchemaConfiguration names one by DatabaseName and TableName.
 * Types are Hive's, as Glue writes them (`string`, `int`, `bigint`, `double`, `boolean`, `timestamp`,
 * `decimal(10,2)`, `array<string>`, `struct<a:int,b:string>`, `map<string,int>`, …).
 */
const glueTableSchema = z
  .object({
    database: z.string().min(1),
    table: z.string().min(1),
    columns: z.array(z.object({ name: z.string().min(1), type: z.string().min(1) }).strict()).min(1),
  })
  .strict();

export type GlueTable = z.output<typeof glueTableSchema>;

/**
 * A Firehose stream that exists as soon as the server starts: a CreateDeliveryStream request body (the members
 * `aws firehose create-delivery-stream --cli-input-json` takes), checked by the Firehose front end at start, and
 * optionally the region it is created in.
 */
const declaredDeliveryStreamSchema = z
  .object({
    DeliveryStreamName: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, "a Firehose stream name: 1–64 of [a-zA-Z0-9_.-]"),
    region: z.string().regex(/^[a-z0-9-]+$/).optional(),
  })
  .catchall(z.unknown());

export type DeclaredDeliveryStream = z.output<typeof declaredDeliveryStreamSchema>;

const firehoseSettingsSchema = z
  .object({
    /**
     * Lambda function ARN → HTTP URL. A Lambda processor's function is invoked by POSTing the Firehose
     * transformation event to its URL (a version or alias suffix of the ARN may be left out here).
     */
    lambdaFunctions: z.record(z.string().regex(/^arn:[^:]+:lambda:/, "a Lambda function ARN"), z.url()).default({}),
    glueTables: z.array(glueTableSchema).default([]),
    deliveryStreams: z.array(declaredDeliveryStreamSchema).default([]),
  })
  .strict();

export type FirehoseSettings = z.output<typeof firehoseSettingsSchema>;

/** A boolean, also as environment variables and flags spell it. */
const booleanSetting = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]);

const settingsSchema = z
  .object({
    host: z.string().min(1),
    port: z.coerce.number().int().min(0).max(65535),
    dataDir: z.string().min(1),
    inMemory: booleanSetting,
    fsync: z.enum(fsyncPolicies),
    logLevel: z.enum(logLevels),
    limits: z.enum(["on", "off"]),
    /** A file of access keys; when set, every request's SigV4 signature is verified (credentials.ts). */
    credentials: z.string().min(1).nullable(),
    kinesis: z.object({ streams: z.array(declaredStreamSchema).default([]) }).strict(),
    firehose: firehoseSettingsSchema,
    /** An S3-compatible endpoint for Firehose S3 destinations; null writes objects under `<dataDir>/s3/`. */
    s3Endpoint: z.url().nullable(),
    s3Region: z.string().min(1),
    s3AccessKeyId: z.string().min(1).nullable(),
    s3SecretAccessKey: z.string().min(1).nullable(),
    /** Path-style addressing (`<endpoint>/<bucket>/<key>`), as most self-hosted S3 servers need. */
    s3ForcePathStyle: booleanSetting,
  })
  .strict()
  .partial();

export type Settings = Required<z.output<typeof settingsSchema>>;

export const defaultSettings: Settings = {
  host: serverDefaults.host,
  port: serverDefaults.port,
  dataDir: serverDefaults.dataDir,
  inMemory: false,
  fsync: "always",
  logLevel: "info",
  limits: "on",
  credentials: null,
  kinesis: { streams: [] },
  firehose: { lambdaFunctions: {}, glueTables: [], deliveryStreams: [] },
  s3Endpoint: null,
  s3Region: "us-east-1",
  s3AccessKeyId: null,
  s3SecretAccessKey: null,
  s3ForcePathStyle: true,
};

/** Environment variable → setting. */
export const environmentVariables: Record<string, keyof Settings> = {
  FRESHET_HOST: "host",
  FRESHET_PORT: "port",
  FRESHET_DATA_DIR: "dataDir",
  FRESHET_IN_MEMORY: "inMemory",
  FRESHET_FSYNC: "fsync",
  FRESHET_LOG_LEVEL: "logLevel",
  FRESHET_LIMITS: "limits",
  FRESHET_CREDENTIALS: "credentials",
  FRESHET_S3_ENDPOINT: "s3Endpoint",
  FRESHET_S3_REGION: "s3Region",
  FRESHET_S3_ACCESS_KEY_ID: "s3AccessKeyId",
  FRESHET_S3_SECRET_ACCESS_KEY: "s3SecretAccessKey",
  FRESHET_S3_FORCE_PATH_STYLE: "s3ForcePathStyle",
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export interface SettingsSources {
  /** Path of a YAML or JSON config file. */
  readonly configFile?: string | undefined;
  readonly environment?: NodeJS.ProcessEnv;
  /** Settings given as flags, already named as settings. */
  readonly flags?: Record<string, unknown>;
}

export async function loadSettings(sources: SettingsSources): Promise<Settings> {
  const fromFile = sources.configFile === undefined ? {} : await readConfigFile(sources.configFile);
  const fromEnvironment: Record<string, unknown> = {};
  for (const [variable, setting] of Object.entries(environmentVariables)) {
    const value = sources.environment?.[variable];
    if (value !== undefined && value !== "") fromEnvironment[setting] = value;
  }
  return {
    ...defaultSettings,
    ...validate(fromFile, `config file ${sources.configFile}`),
    ...validate(fromEnvironment, "environment"),
    ...validate(sources.flags ?? {}, "command line"),
  };
}

async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid YAML or JSON: ${(error as Error).message}`);
  }
}

function validate(input: unknown, source: string): Partial<Settings> {
  const result = settingsSchema.safeParse(input);
  if (result.success) {
    return Object.fromEntries(Object.entries(result.data).filter(([, value]) => value !== undefined));
  }
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    return `${where}: ${issue.message}`;
  });
  throw new ConfigError(`invalid settings from ${source}: ${problems.join("; ")}`);
}
