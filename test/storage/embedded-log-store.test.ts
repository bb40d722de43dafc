import { EmbeddedLogStore } from "../../src/storage/embedded/embedded-log-store.js";
import { tempDir } from "../support/temp-dir.js";
import { logStoreCases } from "./log-store.cases.js";

logStoreCases("embedded", async (clock) => {
  const dataDir = await tempDir();
  const store = await EmbeddedLogStore.open({ dataDir, clock });
  return {
    store,
    reopen: async () => {
      await store.close();
      return EmbeddedLogStore.open({ dataDir, clock });
    },
  };
});

logStoreCases("embedded, tiny segments", async (clock) => {
  const dataDir = await tempDir();
  const options = { dataDir, clock, segmentBytes: 100, indexIntervalBytes: 40 };
  const store = await EmbeddedLogStore.open(options);
  return {
    store,
    reopen: async () => {
      await store.close();
      return EmbeddedLogStore.open(options);
    },
  };
});
