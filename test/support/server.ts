import { after } from "node:test";
import { defaultSettings, type Settings } from "../../src/config/config.js";
import { FreshetServer, type FreshetServerOptions } from "../../src/server/freshet-server.js";
import { createLogger } from "../../src/server/logger.js";
import type { Clock } from "../../src/util/clock.js";

/**
 * Starts a real server on a random loopback port (in memory unless a data dir is given), stopped after the file.
 * `timings` shortens Kinesis timings (subscription heartbeats, say) so a test need not wait seconds. `deliveryDir`
 * is where Firehose objects land (default: beside the data, or a temporary directory for an in-memory server).
 */
export async function startServer(
  overrides: Partial<Settings> = {},
  clock?: Clock,
  timings?: FreshetServerOptions["timings"],
  deliveryDir?: string,
): Promise<FreshetServer> {
  const settings: Settings = { ...defaultSettings, port: 0, inMemory: true, logLevel: "silent", ...overrides };
  const server = await FreshetServer.start({
    settings,
    logger: createLogger(settings.logLevel),
    ...(clock ? { clock } : {}),
    ...(timings ? { timings } : {}),
    ...(deliveryDir === undefined ? {} : { deliveryDir }),
  });
  after(() => server.stop());
  return server;
}
