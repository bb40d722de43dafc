/** The behaviour every MetadataStore backend must have. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MetadataStore } from "../../src/storage/metadata-store.js";

export interface MetadataHarness {
  readonly store: MetadataStore;
  readonly reopen?: () => Promise<MetadataStore>;
}

export function metadataStoreCases(backend: string, factory: () => Promise<MetadataHarness>): void {
  describe(`MetadataStore cases: ${backend}`, () => {
    it("puts, gets, lists in key order, and deletes", async () => {
      const { store } = await factory();
      await store.commit([
        { op: "put", namespace: "streams", key: "b", value: { shards: 2 } },
        { op: "put", namespace: "streams", key: "a", value: { shards: 1, tags: ["x"] } },
        { op: "put", namespace: "consumers", key: "a", value: "other namespace" },
      ]);
      assert.deepEqual(store.get("streams", "a"), { shards: 1, tags: ["x"] });
      assert.deepEqual(store.list("streams").map(([key]) => key), ["a", "b"]);
      await store.commit([{ op: "delete", namespace: "streams", key: "a" }]);
      assert.equal(store.get("streams", "a"), undefined);
      assert.equal(store.get("consumers", "a"), "other namespace");
      assert.deepEqual(store.list("nothing"), []);
      await store.close();
    });

    it("hands out values that cannot be changed behind its back", async () => {
      const { store } = await factory();
      const value = { nested: { count: 1 } };
      await store.commit([{ op: "put", namespace: "n", key: "k", value }]);
      value.nested.count = 2;
      const stored = store.get("n", "k") as { nested: { count: number } };
      assert.equal(stored.nested.count, 1);
      assert.throws(() => {
        stored.nested.count = 3;
      }, TypeError);
      await store.close();
    });

    it("keeps every acknowledged change across a restart", async (t) => {
      const harness = await factory();
      if (harness.reopen === undefined) {
        await harness.store.close();
        t.skip(`${backend} keeps nothing across a restart`);
        return;
      }
      await harness.store.commit([{ op: "put", namespace: "n", key: "gone", value: 1 }]);
      for (let i = 0; i < 50; i++) await harness.store.commit([{ op: "put", namespace: "n", key: `k${i}`, value: i }]);
      await harness.store.commit([{ op: "delete", namespace: "n", key: "gone" }]);
      const reopened = await harness.reopen();
      assert.equal(reopened.list("n").length, 50);
      assert.equal(reopened.get("n", "k49"), 49);
      assert.equal(reopened.get("n", "gone"), undefined);
      await reopened.close();
    });
  });
}
