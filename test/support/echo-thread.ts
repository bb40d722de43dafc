/** The worker of the request-thread tests: echoes each value after its delay, and exits (code 3) when asked to. */
import { parentPort } from "node:worker_threads";

export interface EchoRequest {
  readonly id: number;
  readonly value: string;
  readonly delayMs: number;
}

parentPort!.on("message", ({ id, value, delayMs }: EchoRequest) => {
  if (value === "exit") process.exit(3);
  setTimeout(() => parentPort!.postMessage({ id, echo: value }), delayMs);
});
