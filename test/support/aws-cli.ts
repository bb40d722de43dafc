import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Debian's `awscli` package (AWS CLI v2). `.ci/run` installs it; CI sets FRESHET_REQUIRE_AWS_CLI so it cannot be skipped. */
export const awsCliPath = "/usr/bin/aws";
export const awsCliMissing = existsSync(awsCliPath)
  ? false
  : process.env.FRESHET_REQUIRE_AWS_CLI
    ? (() => {
        throw new Error(`${awsCliPath} is required (apt-get install awscli)`);
      })()
    : `AWS CLI not installed at ${awsCliPath} (apt-get install awscli)`;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `aws <args>` against the endpoint with throwaway credentials and JSON output. */
export async function aws(endpoint: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(awsCliPath, [...args, "--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json"], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: "AKIDFRESHET",
        AWS_SECRET_ACCESS_KEY: "freshet-secret",
        AWS_PAGER: "",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
  }
}
