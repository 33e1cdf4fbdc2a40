import { Layer } from "effect"
import { Digest, Mac, SecureRandom } from "effect/crypto"
import { createHmac, createSecretKey, type KeyObject } from "node:crypto"

// node:crypto turns raw key bytes into a key object on every createHmac, which costs more than the HMAC itself;
// Mac hands over the same bytes for the same Mac key (and domain/hmacSha256.ts keeps one Mac key per secret), so
// each key's object is made once. The bytes are only a weak map's key: never changed, and kept by nothing here.
const keyObjects = new WeakMap<Uint8Array, KeyObject>()

const nodeHmac = (hash: Digest.Algorithm["name"], key: Uint8Array, data: Uint8Array): Uint8Array => {
  let keyObject = keyObjects.get(key)
  if (keyObject === undefined) {
    keyObject = createSecretKey(key)
    keyObjects.set(key, keyObject)
  }
  return new Uint8Array(createHmac(hash.replace("-", "").toLowerCase(), keyObject).update(data).digest())
}

/**
 * The platform crypto the domain asks for: a CSPRNG and SHA digests on WebCrypto, and HMAC on node:crypto, which
 * answers synchronously: every CSRF check computes one (domain/hmacSha256.ts), and WebCrypto's HMAC would make
 * each a round trip through a promise.
 */
export const cryptoLayer: Layer.Layer<SecureRandom.SecureRandom | Digest.Digest | Mac.Mac> = Layer.mergeAll(
  Digest.layerWebCrypto,
  Mac.layerWebCryptoWith({ hmac: nodeHmac })
).pipe(Layer.provideMerge(SecureRandom.layerWebCrypto))
