import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse
} from "@simplewebauthn/server"
import type { AuthenticationResponseJSON, AuthenticatorTransport, RegistrationResponseJSON } from "@simplewebauthn/server"
import { Effect, Layer } from "effect"
import { base64FromBase64Url, base64UrlFromBase64 } from "../../domain/Passkey.ts"
import { PasskeyCeremony, PasskeyCeremonyFailed } from "../../ports/PasskeyCeremony.ts"

const transportsOf = (value: string | null): Array<AuthenticatorTransport> | undefined =>
  value === null || value === "" ? undefined : (value.split(",") as Array<AuthenticatorTransport>)

// Resident keys and user verification: a passkey is the whole sign-in (no password before it), so the
// authenticator must both hold the credential and check the person (PIN, biometrics).
const authenticatorSelection = { residentKey: "required", userVerification: "required" } as const

const failed = (stage: "registration" | "authentication") => () => new PasskeyCeremonyFailed({ stage })

/** The ceremonies through @simplewebauthn/server. Ids and keys cross into the domain as Auth.js's standard base64. */
export const make = PasskeyCeremony.of({
  registrationOptions: (rp, user, exclude) =>
    Effect.promise(async () => {
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.name,
        userDisplayName: user.displayName,
        attestationType: "none",
        authenticatorSelection,
        excludeCredentials: exclude.map((a) => {
          const transports = transportsOf(a.transports)
          return { id: base64UrlFromBase64(a.credentialID), ...(transports === undefined ? {} : { transports }) }
        })
      })
      return { options, challenge: options.challenge }
    }),
  authenticationOptions: (rp) =>
    Effect.promise(async () => {
      const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: "required" })
      return { options, challenge: options.challenge }
    }),
  verifyRegistration: (rp, response, challenge) =>
    Effect.tryPromise({
      try: () =>
        verifyRegistrationResponse({
          response: response as RegistrationResponseJSON,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          requireUserVerification: true
        }),
      catch: failed("registration")
    }).pipe(
      Effect.flatMap((verification) => {
        if (!verification.verified) return Effect.fail(new PasskeyCeremonyFailed({ stage: "registration" }))
        const info = verification.registrationInfo
        const sent = (response as RegistrationResponseJSON).response.transports
        return Effect.succeed({
          credentialID: base64FromBase64Url(info.credential.id),
          credentialPublicKey: Buffer.from(info.credential.publicKey).toString("base64"),
          counter: info.credential.counter,
          credentialDeviceType: info.credentialDeviceType,
          credentialBackedUp: info.credentialBackedUp,
          transports: Array.isArray(sent) && sent.length > 0 ? sent.join(",") : null
        })
      })
    ),
  verifyAuthentication: (rp, response, challenge, authenticator) =>
    Effect.tryPromise({
      try: () => {
        const transports = transportsOf(authenticator.transports)
        return verifyAuthenticationResponse({
          response: response as AuthenticationResponseJSON,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          requireUserVerification: true,
          credential: {
            id: base64UrlFromBase64(authenticator.credentialID),
            publicKey: new Uint8Array(Buffer.from(authenticator.credentialPublicKey, "base64")),
            counter: authenticator.counter,
            ...(transports === undefined ? {} : { transports })
          }
        })
      },
      catch: failed("authentication")
    }).pipe(
      Effect.flatMap((verification) =>
        verification.verified
          ? Effect.succeed({ counter: verification.authenticationInfo.newCounter })
          : Effect.fail(new PasskeyCeremonyFailed({ stage: "authentication" }))
      )
    )
})

export const layer: Layer.Layer<PasskeyCeremony> = Layer.succeed(PasskeyCeremony, make)
