/** RequestThread, the lifecycle the write thread and the Parquet thread share, on a worker that echoes. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { RequestThread } from "../../src/util/request-thread.js";
import type { EchoRequest } from "../support/echo-thread.js";

interface Echo {
  readonly id: number;
  readonly echo: string;
}

const echoWorker = new URL("../support/echo-thread.js", import.meta.url);

function echoThread(): { ask(value: string, delayMs?: number): Promise<string> } {
  const thread = new RequestThread<EchoRequest, Echo, { resolve(echo: string): void; reject(error: Error): void }>({
    url: echoWorker,
    lostMessage: "the echo thread stopped",
    answered: ({ echo }, waiting) => waiting.resolve(echo),
    lost: (error, waiting) => waiting.reject(error),
  });
  return {
    ask: (value, delayMs = 0) => new Promise((resolve, reject) => thread.send((id) => ({ id, value, delayMs }), { resolve, reject })),
  };
}

describe("request thread", () => {
  it("gives each answer to the request it belongs to, whatever order they come in", async () => {
    const thread = echoThread();
    assert.deepEqual(await Promise.all([thread.ask("slow", 50), thread.ask("fast", 0), thread.ask("middle", 20)]), ["slow", "fast", "middle"]);
  });

  it("fails what a dead thread had not answered, with its cause, and starts a new thread for the next request", async () => {
    const thread = echoThread();
    const waiting = thread.ask("never answered", 60_000);
    const outcomes = await Promise.allSettled([waiting, thread.ask("exit")]);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, "rejected");
      assert.equal((outcome.reason as Error).message, "the echo thread stopped: exit code 3");
    }
    assert.equal(await thread.ask("again"), "again");
  });

  it("lets a process exit once answered, and starts without the process's Node flags", () => {
    const module = new URL("../../src/util/request-thread.js", import.meta.url).href;
    const script = `
      const { RequestThread } = await import(${JSON.stringify(module)});
      const thread = new RequestThread({
        url: new URL(${JSON.stringify(echoWorker.href)}),
        lostMessage: "stopped",
        answered: ({ echo }, print) => print(echo),
        lost: (error) => { console.error(error.message); process.exitCode = 1; },
      });
      thread.send((id) => ({ id, value: "answered", delayMs: 0 }), (echo) => console.log(echo));
    `;
    // --input-type is a flag a worker refuses: the thread must not inherit it.
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    assert.equal(run.signal, null, "exited on its own rather than being killed at the timeout");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, "answered\n");
  });
});
