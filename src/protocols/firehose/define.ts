import { actionsFor } from "../aws/action.js";
import type { FirehoseServices } from "./service.js";

export const firehoseAction = actionsFor<FirehoseServices>();
