/** `freshet serve` as a user runs it: flags, environment, config file, lock, and graceful shutdown on signals. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cliPath, exitOf, startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("freshet serve", () => {
  it("serves on the port it reports and stops cleanly on SIGTERM, releasing the data directory", async () => {
    const dataDir = await tempDir();
    const first = await startCli(["--data-dir", dataDir]);
    assert.equal((await fetch(`${first.endpoint}/health`)).status, 200);
    first.child.kill("SIGTERM");
    assert.equal(await exitOf(first.child), 0);
    assert.ok(first.logs.some((entry) => entry.msg === "stopped"));
    const second = await startCli(["--data-dir", dataDir]);
    second.child.kill("SIGINT");
    assert.equal(await exitOf(second.child), 0);
  });

  it("refuses a data directory another live server holds", async () => {
    const dataDir = await tempDir();
    const owner = await startCli(["--data-dir", dataDir]);
    const intruder = spawnSync(process.execPath, [cliPath, "serve", "--port", "0", "--data-dir", dataDir], {
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(intruder.status, 1);
    assert.match(intruder.stderr, /in use by process/);
    owner.child.kill("SIGTERM");
    assert.equal(await exitOf(owner.child), 0);
  });

  it("takes a data directory over from a server that was killed", async () => {
    const dataDir = await tempDir();
    const killed = await startCli(["--data-dir", dataDir]);
    killed.child.kill("SIGKILL");
    await exitOf(killed.child);
    const next = await startCli(["--data-dir", dataDir]);
    next.child.kill("SIGTERM");
    assert.equal(await exitOf(next.child), 0);
  });

  it("reads settings from the config file, overridden by environment, overridden by flags", async () => {
    const dir = await tempDir();
    const config = join(dir, "freshet.yaml");
    await writeFile(config, `inMemory: true\nlogLevel: debug\nfsync: never\n`);
    const server = await startCli(["--config", config, "--fsync", "interval"], { FRESHET_LOG_LEVEL: "info" });
    const listening = server.logs.find((entry) => entry.msg === "freshet listening")!;
    assert.equal(listening.storage, "memory");
    assert.equal(listening.fsync, "interval");
    assert.equal(listening.level, 30);
    server.child.kill("SIGTERM");
    assert.equal(await exitOf(server.child), 0);
  });

  it("names the bad setting and its source", () => {
    const bad = spawnSync(process.execPath, [cliPath, "serve", "--fsync", "sometimes"], { encoding: "utf8", timeout: 20_000 });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /invalid settings from command line: fsync/);
    const env = spawnSync(process.execPath, [cliPath, "serve"], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, FRESHET_PORT: "port" },
    });
    assert.match(env.stderr, /invalid settings from environment: port/);
  });

  it("prints usage and version", () => {
    const help = spawnSync(process.execPath, [cliPath, "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /freshet serve \[options\]/);
    const version = spawnSync(process.execPath, [cliPath, "--version"], { encoding: "utf8" });
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
  });
});
