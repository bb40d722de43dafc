import { DeliveryError } from "../../../delivery/errors.js";
import { firehoseAction } from "../define.js";
import { deliveryStreamName, record } from "../members.js";

export const putRecord = firehoseAction({
  name: "PutRecord",
  input: {
    type: "structure",
    members: { DeliveryStreamName: { ...deliveryStreamName, required: true }, Record: { ...record, required: true } },
  },
  async handle(input, { delivery }, { region }) {
    const ref = { region, name: input.DeliveryStreamName };
    const encrypted = delivery.get(ref).encryption !== undefined;
    const [result] = await delivery.putRecords(ref, [input.Record.Data]);
    if (!result!.ok) throw new DeliveryError(result!.errorCode, result!.errorMessage);
    return { RecordId: result!.recordId, Encrypted: encrypted };
  },
});
