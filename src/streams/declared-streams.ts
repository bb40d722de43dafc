/** Streams declared in the config file exist when the server starts, so a CI job needs no setup script. */
import type { DeclaredStream } from "../config/config.js";
import { kinesisLimits } from "../config/limits.js";
import type { ConsumersService } from "./consumers.js";
import type { StreamsService } from "./streams-service.js";

/**
 * Creates each declared stream that does not exist yet and registers its declared consumers that are missing;
 * returns what it created. An existing stream's settings are left as they are.
 */
export async function createDeclaredStreams(
  streams: StreamsService,
  consumers: ConsumersService,
  declared: readonly DeclaredStream[],
): Promise<string[]> {
  const created: string[] = [];
  for (const declaration of declared) {
    const ref = { region: declaration.region ?? kinesisLimits.defaultRegion, name: declaration.name };
    if (streams.catalog.find(ref) === undefined) {
      await streams.createStream(ref, {
        shardCount: declaration.shardCount ?? (declaration.mode === "ON_DEMAND" ? undefined : 1),
        mode: declaration.mode,
        tags: declaration.tags,
        retentionHours: declaration.retentionHours,
      });
      created.push(`${ref.region}/${ref.name}`);
    }
    const record = streams.stream(ref).record;
    for (const consumer of declaration.consumers ?? []) {
      if (record.consumers.some((existing) => existing.name === consumer)) continue;
      await consumers.register(ref.region, record.arn, consumer);
      created.push(`${ref.region}/${ref.name}/consumer/${consumer}`);
    }
  }
  return created;
}
