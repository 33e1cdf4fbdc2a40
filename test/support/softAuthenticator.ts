/**
 * A software passkey authenticator for node tests: a P-256 key, "none" attestation, user presence and
 * verification always given, its own signature counter (tests can set it to play a clone). It answers with
 * the JSON a browser's `PublicKeyCredential.toJSON()` gives (base64url), as @simplewebauthn/browser posts it.
 * CBOR through @simplewebauthn/server's own helpers.
 */
import { isoCBOR } from "@simplewebauthn/server/helpers"
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto"

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url")
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest()
const uint32 = (value: number) => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(value)
  return out
}

// Flags (WebAuthn §6.1): user present, user verified, backup eligible and state (a synced passkey), attested data.
const UP = 0x01, UV = 0x04, BE = 0x08, BS = 0x10, AT = 0x40

export const softAuthenticator = (origin: string) => {
  const rpId = new URL(origin).hostname
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
  const jwk = publicKey.export({ format: "jwk" })
  const credentialId = randomBytes(32)
  let userHandle: string | undefined
  let counter = 0
  const clientData = (type: string, challenge: string) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }))

  return {
    id: b64u(credentialId),
    /** Sets the counter the next assertion starts from (a clone answers with an old one). */
    setCounter: (value: number) => void (counter = value),
    /** Answers `navigator.credentials.create` with these options (PublicKeyCredentialCreationOptionsJSON). */
    register: (options: { readonly challenge: string; readonly user: { readonly id: string } }) => {
      userHandle = options.user.id
      const coseKey = new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, "base64url")],
        [-3, Buffer.from(jwk.y!, "base64url")]
      ])
      const length = Buffer.alloc(2)
      length.writeUInt16BE(credentialId.length)
      const authData = Buffer.concat([
        sha256(rpId), Buffer.from([UP | UV | BE | BS | AT]), uint32(counter),
        Buffer.alloc(16), length, credentialId, Buffer.from(isoCBOR.encode(coseKey))
      ])
      const attestationObject = isoCBOR.encode(new Map<string, unknown>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]) as never)
      return {
        id: b64u(credentialId),
        rawId: b64u(credentialId),
        type: "public-key",
        response: {
          clientDataJSON: b64u(clientData("webauthn.create", options.challenge)),
          attestationObject: b64u(attestationObject),
          transports: ["internal", "hybrid"]
        },
        clientExtensionResults: {},
        authenticatorAttachment: "platform"
      }
    },
    /** Answers `navigator.credentials.get` with these options; the counter goes up by one first. */
    authenticate: (options: { readonly challenge: string }) => {
      counter += 1
      const authenticatorData = Buffer.concat([sha256(rpId), Buffer.from([UP | UV | BE | BS]), uint32(counter)])
      const clientDataJSON = clientData("webauthn.get", options.challenge)
      const signature = sign("sha256", Buffer.concat([authenticatorData, sha256(clientDataJSON)]), privateKey)
      return {
        id: b64u(credentialId),
        rawId: b64u(credentialId),
        type: "public-key",
        response: {
          clientDataJSON: b64u(clientDataJSON),
          authenticatorData: b64u(authenticatorData),
          signature: b64u(signature),
          ...(userHandle === undefined ? {} : { userHandle })
        },
        clientExtensionResults: {},
        authenticatorAttachment: "platform"
      }
    }
  }
}
