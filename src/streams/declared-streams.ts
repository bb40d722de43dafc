/** Streams declared in the config file exist when the server starts, so a CI job needs no setup script. */
import type { DeclaredStream } from "../config/config.js";
import { kinesisLimits } from "../config/limits.js";
import type { StreamsService } from "./streams-service.js";

/** Creates each declared stream that does not exist yet; returns the names created. */
export async function createDeclaredStreams(streams: StreamsService, declared: readonly DeclaredStream[]): Promise<string[]> {
  const created: string[] = [];
  for (const declaration of declared) {
    const ref = { region: declaration.region ?? kinesisLimits.defaultRegion, name: declaration.name };
    if (streams.catalog.find(ref) !== undefined) continue;
    await streams.createStream(ref, {
      shardCount: declaration.shardCount ?? (declaration.mode === "ON_DEMAND" ? undefined : 1),
      mode: declaration.mode,
      tags: declaration.tags,
      retentionHours: declaration.retentionHours,
    });
    created.push(`${ref.region}/${ref.name}`);
  }
  return created;
}
