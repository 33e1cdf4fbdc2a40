import { Effect, Redacted } from "effect"
import type { webcrypto } from "node:crypto"
import * as client from "openid-client"
import type { PrivateKeyJwk } from "./OAuthProviderOptions.ts"
import { InvalidProviderOptions, type ResolvedProvider } from "./resolveOptions.ts"

type ImportAlgorithm = Parameters<typeof crypto.subtle.importKey>[2]

/** The WebCrypto algorithm a JWS `alg` signs with; without `alg`, the usual one for the key type. */
const importAlgorithm = (jwk: PrivateKeyJwk): ImportAlgorithm | undefined => {
  const alg = jwk.alg ??
    (jwk.kty === "RSA"
      ? "RS256"
      : jwk.kty === "EC"
      ? ({ "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" } as Record<string, string>)[jwk.crv ?? ""]
      : jwk.kty === "OKP" && jwk.crv === "Ed25519"
      ? "Ed25519"
      : undefined)
  switch (alg) {
    case "RS256":
    case "RS384":
    case "RS512":
      return { name: "RSASSA-PKCS1-v1_5", hash: `SHA-${alg.slice(2)}` }
    case "PS256":
    case "PS384":
    case "PS512":
      return { name: "RSA-PSS", hash: `SHA-${alg.slice(2)}` }
    case "ES256":
    case "ES384":
    case "ES512":
      return { name: "ECDSA", namedCurve: alg === "ES512" ? "P-521" : `P-${alg.slice(2)}` }
    case "Ed25519":
    case "EdDSA":
      return { name: "Ed25519" }
    default:
      return undefined
  }
}

const importPrivateKey = (provider: string, jwk: PrivateKeyJwk) =>
  Effect.gen(function*() {
    const invalid = (message: string) => new InvalidProviderOptions({ provider, message })
    const algorithm = importAlgorithm(jwk)
    if (algorithm === undefined) return yield* invalid("privateKeyJwk has a key type or alg this client cannot sign with")
    if (typeof jwk["d"] !== "string") return yield* invalid("privateKeyJwk is a public key; the private key is needed")
    // Only the key material goes to WebCrypto: `kid`, `use` and `key_ops` are ours to interpret.
    const { kid, use: _use, key_ops: _ops, ...material } = jwk
    const key = yield* Effect.tryPromise({
      try: () => crypto.subtle.importKey("jwk", material as webcrypto.JsonWebKey, algorithm, false, ["sign"]),
      catch: () => invalid("privateKeyJwk could not be imported")
    })
    return typeof kid === "string" ? { key, kid } : { key }
  })

/** openid-client's client authentication for the resolved method, with the private key imported once. */
export const clientAuthentication = (resolved: ResolvedProvider) =>
  Effect.gen(function*() {
    const secret = resolved.options.clientSecret === undefined ? undefined : Redacted.value(resolved.options.clientSecret)
    switch (resolved.clientAuth) {
      case "client_secret_basic":
        return client.ClientSecretBasic(secret)
      case "client_secret_post":
        return client.ClientSecretPost(secret)
      case "private_key_jwt":
        return client.PrivateKeyJwt(yield* importPrivateKey(resolved.id, resolved.options.privateKeyJwk!))
      case "none":
        return client.None()
    }
  })
