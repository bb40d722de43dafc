/**
 * A running Freshet: storage opened, services wired to it, protocol front ends on one listener. Start and stop
 * here; `freshet serve` and the end-to-end tests both use this.
 */
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, type Settings } from "../config/config.js";
import { loadCredentialsFile } from "../config/credentials.js";
import { logStorageDefaults, serverDefaults } from "../config/limits.js";
import { DeliveryService, type DeliveryServiceOptions } from "../delivery/delivery-service.js";
import { LocalObjectWriter, type ObjectWriter } from "../delivery/local-objects.js";
import { AwsDispatcher } from "../protocols/aws/dispatch.js";
import { SigV4Verifier } from "../protocols/aws/sigv4.js";
import { firehoseService } from "../protocols/firehose/service.js";
import { kinesisService } from "../protocols/kinesis/service.js";
import { AccountSettingsService } from "../streams/account-settings.js";
import { ConsumersService, type ConsumersOptions } from "../streams/consumers.js";
import { createDeclaredStreams } from "../streams/declared-streams.js";
import { createDeclaredDeliveryStreams } from "../protocols/firehose/declared-delivery-streams.js";
import { RecordsService } from "../streams/records-service.js";
import { ShardReader } from "../streams/shard-reader.js";
import { StreamCatalog } from "../streams/stream-catalog.js";
import { StreamsService, type StreamsOptions } from "../streams/streams-service.js";
import { type SubscriptionOptions, SubscriptionsService } from "../streams/subscriptions.js";
import { type DataDirLock, lockDataDir } from "../storage/embedded/data-dir-lock.js";
import { EmbeddedLogStore } from "../storage/embedded/embedded-log-store.js";
import { MetadataJournal } from "../storage/embedded/metadata-journal.js";
import type { LogStore } from "../storage/log-store.js";
import { MemoryLogStore } from "../storage/memory/memory-log-store.js";
import { MemoryMetadataStore } from "../storage/memory/memory-metadata-store.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import { type Clock, systemClock } from "../util/clock.js";
import { version } from "../version.js";
import { createHttpHandler } from "./http-handler.js";
import { Listener } from "./listener.js";
import type { Logger } from "./logger.js";

export interface FreshetServerOptions {
  readonly settings: Settings;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Shorter Kinesis timings than AWS's (tests), so nothing has to wait for seconds. */
  readonly timings?: {
    readonly streams?: Pick<StreamsOptions, "createDelayMs" | "updateDelayMs">;
    readonly subscriptions?: SubscriptionOptions;
    readonly consumers?: ConsumersOptions;
    readonly delivery?: Pick<DeliveryServiceOptions, "createDelayMs" | "retryDelayMs" | "httpAttemptTimeoutMs">;
  };
  /**
   * Where Firehose writes S3 objects (`<deliveryDir>/<bucket>/<key>`) when no S3 endpoint is configured. Default:
   * `<dataDir>/s3`, or for an in-memory server a new directory under the system's temporary directory (logged at
   * start, created by the first object, left in place).
   */
  readonly deliveryDir?: string;
}

interface Storage {
  readonly log: LogStore;
  readonly metadata: MetadataStore;
  readonly lock: DataDirLock | null;
}

export class FreshetServer {
  private stopping: Promise<void> | null = null;
  private readonly retentionTimer: NodeJS.Timeout;

  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly listener: Listener,
    private readonly storage: Storage,
    private readonly logger: Logger,
    /** Aborted when a graceful stop begins, so long-lived responses (subscriptions) end at once. */
    private readonly stopRequested: AbortController,
    /** Firehose streams and their delivery loops. */
    readonly delivery: DeliveryService,
    /** Where Firehose objects land without an S3 endpoint: `<deliveryDir>/<bucket>/<key>`. */
    readonly deliveryDir: string,
    private readonly objects: ObjectDestination,
  ) {
    this.retentionTimer = setInterval(() => {
      this.enforceRetention().catch((error: unknown) => logger.error({ err: error }, "retention pass failed"));
    }, logStorageDefaults.retentionCheckIntervalMs).unref();
  }

  /** Deletes what every log's retention says is gone (also run on a timer, and by the store at start). */
  enforceRetention(): Promise<void> {
    return this.storage.log.enforceRetention();
  }

  static async start(options: FreshetServerOptions): Promise<FreshetServer> {
    const { settings, logger } = options;
    const clock = options.clock ?? systemClock;
    // Read before the data directory is locked, so a bad credentials file stops the server with nothing to undo.
    const credentials = settings.credentials === null ? null : await loadCredentialsFile(settings.credentials);
    const storage = await openStorage(settings, clock, logger);
    let dispatcher: AwsDispatcher;
    let delivery: DeliveryService | undefined;
    let deliveryDir: string;
    let objects: ObjectDestination | undefined;
    try {
      const streams = new StreamsService(new StreamCatalog(storage.metadata, clock), storage.log, clock, {
        throughputLimits: settings.limits === "on",
        ...options.timings?.streams,
      });
      await streams.reconcile();
      const records = new RecordsService(streams);
      const subscriptions = new SubscriptionsService(streams, records, options.timings?.subscriptions);
      const consumers = new ConsumersService(streams, subscriptions, options.timings?.consumers);
      const declared = await createDeclaredStreams(streams, consumers, settings.kinesis.streams);
      if (declared.length > 0) logger.info({ created: declared }, "created declared streams");
      const account = new AccountSettingsService(storage.metadata, clock);
      const kinesis = kinesisService({ streams, records, consumers, subscriptions, account });
      // Created by the first object written, so a server that delivers nothing leaves nothing behind.
      deliveryDir = options.deliveryDir ?? (settings.inMemory ? join(tmpdir(), `freshet-s3-${randomUUID()}`) : join(settings.dataDir, "s3"));
      objects = await objectDestination(settings, deliveryDir);
      delivery = new DeliveryService(storage.metadata, storage.log, clock, objects.writer, {
        ...options.timings?.delivery,
        throughputLimits: settings.limits === "on",
        kinesis: new ShardReader(streams),
        firehose: settings.firehose,
        onError: (stream, error, what) => logger.error({ err: error, deliveryStream: stream.name, region: stream.region }, what),
      });
      await delivery.start();
      const firehose = firehoseService({ delivery, settings: settings.firehose });
      const declaredDeliveryStreams = await createDeclaredDeliveryStreams(firehose, delivery, settings.firehose.deliveryStreams);
      if (declaredDeliveryStreams.length > 0) logger.info({ created: declaredDeliveryStreams }, "created declared Firehose streams");
      const verifier = credentials === null ? undefined : new SigV4Verifier(credentials, clock);
      dispatcher = new AwsDispatcher([kinesis, firehose], (error, requestId) => logger.error({ err: error, requestId }, "internal failure"), {
        ...(verifier === undefined ? {} : { verifier }),
      });
      if (credentials !== null) logger.info({ credentials: settings.credentials, accessKeys: credentials.size }, "SigV4 signatures verified");
    } catch (error) {
      await delivery?.stop();
      objects?.release();
      await closeStorage(storage);
      throw error;
    }
    const health = () => ({ status: "ok" as const, version, storage: settings.inMemory ? ("memory" as const) : ("embedded" as const) });
    const stopRequested = new AbortController();
    const listener = new Listener(createHttpHandler(dispatcher, health, logger, stopRequested.signal));
    try {
      const address = await listener.listen({ host: settings.host, port: settings.port });
      logger.info(
        {
          host: address.address,
          port: address.port,
          storage: health().storage,
          dataDir: settings.inMemory ? null : settings.dataDir,
          ...(settings.s3Endpoint === null ? { deliveryDir } : { s3Endpoint: settings.s3Endpoint }),
          fsync: settings.fsync,
        },
        "freshet listening",
      );
      return new FreshetServer(address.address, address.port, listener, storage, logger, stopRequested, delivery, deliveryDir, objects);
    } catch (error) {
      await delivery.stop();
      objects.release();
      await closeStorage(storage);
      throw error;
    }
  }

  get endpoint(): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** Graceful: stop accepting, finish in-flight requests, flush and close storage. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info("shutting down");
      clearInterval(this.retentionTimer);
      this.stopRequested.abort();
      await this.listener.close(serverDefaults.shutdownGraceMs);
      // After the last request: every Firehose stream writes what it has buffered.
      await this.delivery.stop();
      this.objects.release();
      await closeStorage(this.storage);
      this.logger.info("stopped");
    })();
    return this.stopping;
  }
}

interface ObjectDestination {
  readonly writer: ObjectWriter;
  /** Frees what the writer holds (an S3 client's connections), once delivery has stopped. */
  release(): void;
}

/**
 * Firehose's S3 destination: the configured S3-compatible endpoint, else files under `deliveryDir`. Without an access
 * key the S3 client takes credentials where the AWS SDK looks for them (environment, shared files, instance roles).
 */
async function objectDestination(settings: Settings, deliveryDir: string): Promise<ObjectDestination> {
  if (settings.s3Endpoint === null) return { writer: new LocalObjectWriter(deliveryDir), release: () => {} };
  const { s3AccessKeyId: accessKeyId, s3SecretAccessKey: secretAccessKey } = settings;
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    throw new ConfigError("s3AccessKeyId and s3SecretAccessKey are set together, or neither (the AWS SDK's credential chain then applies)");
  }
  // The S3 client (tens of MiB) loads only when an endpoint is configured.
  const { S3ObjectWriter } = await import("../delivery/s3-objects.js");
  const writer = new S3ObjectWriter({
    endpoint: settings.s3Endpoint,
    region: settings.s3Region,
    credentials: accessKeyId === null || secretAccessKey === null ? null : { accessKeyId, secretAccessKey },
    forcePathStyle: settings.s3ForcePathStyle,
  });
  return { writer, release: () => writer.destroy() };
}

async function openStorage(settings: Settings, clock: Clock, logger: Logger): Promise<Storage> {
  if (settings.inMemory) {
    return { log: new MemoryLogStore(clock), metadata: new MemoryMetadataStore(), lock: null };
  }
  const lock = await lockDataDir(settings.dataDir);
  const onRecovery = (message: string) => logger.warn({ dataDir: settings.dataDir }, message);
  try {
    const metadata = await MetadataJournal.open(settings.dataDir, onRecovery);
    const log = await EmbeddedLogStore.open({
      dataDir: settings.dataDir,
      fsync: settings.fsync,
      clock,
      background: true,
      onRecovery,
    });
    return { log, metadata, lock };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function closeStorage(storage: Storage): Promise<void> {
  await storage.log.close();
  await storage.metadata.close();
  await storage.lock?.release();
}
