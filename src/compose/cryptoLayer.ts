import { Layer } from "effect"
import { Digest, Mac, SecureRandom } from "effect/crypto"

/** The platform crypto the domain asks for: a CSPRNG, SHA digests and HMAC, all on WebCrypto. */
export const cryptoLayer: Layer.Layer<SecureRandom.SecureRandom | Digest.Digest | Mac.Mac> = Layer.mergeAll(
  Digest.layerWebCrypto,
  Mac.layerWebCrypto
).pipe(Layer.provideMerge(SecureRandom.layerWebCrypto))
