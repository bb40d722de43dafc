/**
 * Firehose streams declared in the config file exist when the server starts. A declaration is a
 * CreateDeliveryStream request body (what `aws firehose create-delivery-stream --cli-input-json` takes), plus an
 * optional region, and it goes through the same action as a request would: the same validation, the same errors.
 * A stream that exists already is left as it is.
 */
import { ConfigError, type DeclaredDeliveryStream } from "../../config/config.js";
import { kinesisLimits } from "../../config/limits.js";
import type { DeliveryService } from "../../delivery/delivery-service.js";
import { jsonCodec } from "../aws/codecs.js";
import type { AwsService } from "../aws/dispatch.js";
import { AwsError } from "../aws/errors.js";

/** Creates the declared streams that are missing; returns `<region>/<name>` of each one created. */
export async function createDeclaredDeliveryStreams(
  firehose: AwsService,
  delivery: DeliveryService,
  declared: readonly DeclaredDeliveryStream[],
): Promise<string[]> {
  const create = firehose.actions.get("CreateDeliveryStream")!;
  const created: string[] = [];
  for (const [index, { region: declaredRegion, ...request }] of declared.entries()) {
    const region = declaredRegion ?? kinesisLimits.defaultRegion;
    const name = request.DeliveryStreamName;
    if (delivery.all(region).some((stream) => stream.name === name)) continue;
    try {
      await create(request, { requestId: `config-${index}`, codec: jsonCodec, headers: {}, region });
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      throw new ConfigError(`firehose.deliveryStreams[${index}] (${name}): ${error.type}: ${error.message}`);
    }
    created.push(`${region}/${name}`);
  }
  return created;
}
