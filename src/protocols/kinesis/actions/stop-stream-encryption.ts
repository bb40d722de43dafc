import { resolveStream } from "../../../streams/arns.js";
import { stopEncryption } from "../../../streams/stream-settings.js";
import { kinesisAction } from "../define.js";
import { encryptionType, keyId, streamTarget } from "../members.js";

export const stopStreamEncryption = kinesisAction({
  name: "StopStreamEncryption",
  input: {
    type: "structure",
    members: { ...streamTarget, EncryptionType: { ...encryptionType, required: true }, KeyId: { ...keyId, required: true } },
  },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    await stopEncryption(streams, ref, input.EncryptionType);
    return {};
  },
});
