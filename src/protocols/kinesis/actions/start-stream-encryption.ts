import { resolveStream } from "../../../streams/arns.js";
import { startEncryption } from "../../../streams/stream-settings.js";
import { kinesisAction } from "../define.js";
import { encryptionType, keyId, streamTarget } from "../members.js";

/** Records the KMS key and reports EncryptionType KMS from then on; records are not actually encrypted. */
export const startStreamEncryption = kinesisAction({
  name: "StartStreamEncryption",
  input: {
    type: "structure",
    members: { ...streamTarget, EncryptionType: { ...encryptionType, required: true }, KeyId: { ...keyId, required: true } },
  },
  async handle(input, { streams }, { region }) {
    const ref = resolveStream(region, { streamName: input.StreamName, streamArn: input.StreamARN });
    await startEncryption(streams, ref, input.EncryptionType, input.KeyId);
    return {};
  },
});
