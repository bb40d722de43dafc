/**
 * Starts kinesalite (npm `kinesalite`) on 127.0.0.1 and a free port, for the kinesis suite: its own CLI listens on
 * 4567 when given port 0. Arguments are kinesalite's options as JSON (path, createStreamMs, shardLimit, …).
 * Prints {"msg":"kinesalite listening","port":…} on stdout.
 */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

const options = JSON.parse(process.argv[2] ?? "{}") as Record<string, unknown>;
const kinesalite = createRequire(import.meta.url)("kinesalite") as (options: Record<string, unknown>) => Server;
const server = kinesalite(options);
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: "kinesalite listening", port })}\n`);
});
const stop = (): void => void server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
