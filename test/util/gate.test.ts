import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Gate } from "../../src/util/gate.js";

/** A promise and its resolve function. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Resolves with `count` once `done` does: a section's long part, made outside the scope of what it counted. */
function countWhenDone(count: number, done: Promise<void>): Promise<number> {
  return done.then(() => count);
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("gate", () => {
  it("runs shared sections together, an exclusive one alone once they end, and later shared ones after it", async () => {
    const gate = new Gate();
    const events: string[] = [];
    const first = deferred();
    const second = deferred();
    const exclusiveWork = deferred();
    const shared1 = gate.shared(async () => {
      events.push("shared 1 starts");
      await first.promise;
      events.push("shared 1 ends");
    });
    const shared2 = gate.shared(async () => {
      events.push("shared 2 starts");
      await second.promise;
      events.push("shared 2 ends");
    });
    const exclusive = gate.exclusive(async () => {
      events.push("exclusive starts");
      await exclusiveWork.promise;
      events.push("exclusive ends");
    });
    const shared3 = gate.shared(async () => void events.push("shared 3 runs"));
    await turn();
    assert.deepEqual(events, ["shared 1 starts", "shared 2 starts"]);
    first.resolve();
    await turn();
    assert.deepEqual(events.at(-1), "shared 1 ends", "the exclusive section waits for every shared one");
    second.resolve();
    await turn();
    assert.deepEqual(events.slice(-2), ["shared 2 ends", "exclusive starts"]);
    exclusiveWork.resolve();
    await Promise.all([shared1, shared2, exclusive, shared3]);
    assert.deepEqual(events.slice(-2), ["exclusive ends", "shared 3 runs"], "a shared section asked for after it waits");
  });

  it("is free again after a section that throws or rejects, which the caller sees", async () => {
    const gate = new Gate();
    await assert.rejects(
      gate.shared(() => {
        throw new Error("thrown");
      }),
      /thrown/,
    );
    await assert.rejects(gate.exclusive(() => Promise.reject(new Error("rejected"))), /rejected/);
    assert.equal(await gate.exclusive(async () => "ran"), "ran");
  });

  it("lets go of a section once it has started, though the section still runs", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const gate = new Gate();
    const work = deferred();
    let payload: WeakRef<object> | undefined;
    // What a section captures (a request's records) must not live as long as the section runs.
    const running = ((): Promise<number> => {
      const records = Array.from({ length: 1000 }, (_, i) => ({ i }));
      payload = new WeakRef(records);
      return gate.shared(() => countWhenDone(records.length, work.promise));
    })();
    // A collection may leave it for a later one (Node 24 sometimes does): one that holds it holds it through all.
    for (let attempt = 0; attempt < 10 && payload!.deref() !== undefined; attempt++) {
      await turn();
      gc();
    }
    assert.equal(payload!.deref(), undefined);
    work.resolve();
    assert.equal(await running, 1000);
  });
});
