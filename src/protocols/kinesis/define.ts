import { actionsFor } from "../aws/action.js";
import type { KinesisServices } from "./service.js";

export const kinesisAction = actionsFor<KinesisServices>();
