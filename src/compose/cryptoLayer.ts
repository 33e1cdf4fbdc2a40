import { Effect, Layer } from "effect"
import { Digest, Mac, SecureRandom } from "effect/crypto"
import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto"

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

const nodeDigest = (algorithm: Digest.Algorithm) => createHash(algorithm.name.replace("-", "").toLowerCase())

/**
 * Digests on node:crypto, answered synchronously: the database-session token hash is computed on the
 * synchronous fast path of `GET /session` (sessionFastPath.ts), which cannot wait on a WebCrypto promise.
 */
const nodeDigestLayer = Layer.succeed(
  Digest.Digest,
  Digest.Digest.of({
    digest: (algorithm, data) => Effect.sync(() => new Uint8Array(nodeDigest(algorithm).update(data).digest())),
    digestHex: (algorithm, data) => Effect.sync(() => nodeDigest(algorithm).update(data).digest("hex"))
  })
)

/**
 * The platform crypto the domain asks for: a CSPRNG on WebCrypto, and digests and HMAC on node:crypto, which
 * answer synchronously: every CSRF check computes an HMAC (domain/hmacSha256.ts), and WebCrypto's would make
 * each a round trip through a promise.
 */
export const cryptoLayer: Layer.Layer<SecureRandom.SecureRandom | Digest.Digest | Mac.Mac> = Layer.mergeAll(
  nodeDigestLayer,
  Mac.layerWebCryptoWith({ hmac: nodeHmac })
).pipe(Layer.provideMerge(SecureRandom.layerWebCrypto))
