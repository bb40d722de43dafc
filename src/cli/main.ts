#!/usr/bin/env node
/** The `freshet` command. */
import { parseArgs } from "node:util";
import { ConfigError, fsyncPolicies, loadSettings, logLevels } from "../config/config.js";
import { FreshetServer } from "../server/freshet-server.js";
import { createLogger } from "../server/logger.js";
import { version } from "../version.js";

const usage = `freshet ${version} — Kinesis Data Streams and Data Firehose APIs on your own machine

Usage:
  freshet serve [options]   start the server
  freshet --version
  freshet --help

Options for serve (each also settable in the config file and as FRESHET_<NAME> in the environment):
  --config <file>           YAML or JSON config file                     (FRESHET_CONFIG)
  --host <host>             address to listen on, default 127.0.0.1      (FRESHET_HOST)
  --port <port>             port, default 4567; 0 picks a free one      (FRESHET_PORT)
  --data-dir <dir>          where data lives, default ./freshet-data     (FRESHET_DATA_DIR)
  --in-memory               keep nothing on disk: a throwaway server     (FRESHET_IN_MEMORY)
  --fsync <policy>          ${fsyncPolicies.join(" | ")}; default always         (FRESHET_FSYNC)
  --log-level <level>       ${logLevels.join(" | ")}; default info (FRESHET_LOG_LEVEL)
  --limits <on|off>         per-shard throughput limits; off for load tests (FRESHET_LIMITS)
  --credentials <file>      verify SigV4 signatures against these access keys (FRESHET_CREDENTIALS)
  --s3-endpoint <url>       send Firehose S3 objects to this S3-compatible server (FRESHET_S3_ENDPOINT)
                            rather than to files under <data-dir>/s3
  --s3-region <region>      its signing region, default us-east-1        (FRESHET_S3_REGION)
  --s3-access-key-id <id>   its access key; none: the AWS SDK's credential chain (FRESHET_S3_ACCESS_KEY_ID)
  --s3-secret-access-key <secret>  the key's secret, better set in the environment (FRESHET_S3_SECRET_ACCESS_KEY)
  --s3-force-path-style <true|false>  <endpoint>/<bucket>/<key> URLs, default true (FRESHET_S3_FORCE_PATH_STYLE)
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
      config: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "data-dir": { type: "string" },
      "in-memory": { type: "boolean" },
      fsync: { type: "string" },
      "log-level": { type: "string" },
      limits: { type: "string" },
      credentials: { type: "string" },
      "s3-endpoint": { type: "string" },
      "s3-region": { type: "string" },
      "s3-access-key-id": { type: "string" },
      "s3-secret-access-key": { type: "string" },
      "s3-force-path-style": { type: "string" },
    },
  });
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(usage);
    return values.help ? 0 : 2;
  }
  if (command !== "serve" || positionals.length > 1) {
    process.stderr.write(`freshet: unknown command ${JSON.stringify(positionals.join(" "))}\n\n${usage}`);
    return 2;
  }
  const flags = {
    host: values.host,
    port: values.port,
    dataDir: values["data-dir"],
    inMemory: values["in-memory"],
    fsync: values.fsync,
    logLevel: values["log-level"],
    limits: values.limits,
    credentials: values.credentials,
    s3Endpoint: values["s3-endpoint"],
    s3Region: values["s3-region"],
    s3AccessKeyId: values["s3-access-key-id"],
    s3SecretAccessKey: values["s3-secret-access-key"],
    s3ForcePathStyle: values["s3-force-path-style"],
  };
  const settings = await loadSettings({
    configFile: values.config ?? (process.env.FRESHET_CONFIG || undefined),
    environment: process.env,
    flags: Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)),
  });
  const logger = createLogger(settings.logLevel);
  // Listen for signals before starting, so one that arrives while the server starts still stops it gracefully.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  const server = await FreshetServer.start({ settings, logger });
  const signal = await signalled;
  logger.info({ signal }, "signal received");
  process.once(signal, () => process.exit(130));
  try {
    await server.stop();
  } catch (error) {
    logger.error({ err: error }, "shutdown failed");
    return 1;
  }
  return Number(process.exitCode ?? 0);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known = error instanceof ConfigError || (error instanceof Error && error.name === "DataDirLockedError");
    process.stderr.write(`freshet: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    process.exitCode = 1;
  },
);
