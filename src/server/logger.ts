/** Structured logs: one JSON object a line on stdout (pino). */
import { pino, type Logger } from "pino";
import type { Settings } from "../config/config.js";

export type { Logger };

export function createLogger(level: Settings["logLevel"]): Logger {
  return pino({ level, base: { service: "freshet" }, timestamp: pino.stdTimeFunctions.isoTime });
}
