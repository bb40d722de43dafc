import { MemoryLogStore } from "../../src/storage/memory/memory-log-store.js";
import { logStoreCases } from "./log-store.cases.js";

logStoreCases("memory", async (clock) => ({ store: new MemoryLogStore(clock) }));
