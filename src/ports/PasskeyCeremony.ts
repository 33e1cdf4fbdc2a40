import { Context, type Effect, Schema } from "effect"
import type { Authenticator } from "../domain/Passkey.ts"

/** Who the browser's passkey dialogs speak for: the RP ID (a host), the name shown, the only origin accepted. */
export interface RelyingParty {
  readonly id: string
  readonly name: string
  readonly origin: string
}

/** What a browser is asked to do, as JSON (PublicKeyCredential{Creation,Request}OptionsJSON), and its challenge. */
export interface CeremonyOptions {
  readonly options: unknown
  /** base64url, as the options carry it. */
  readonly challenge: string
}

/** A credential a registration proved: an Authenticator without its user and account. */
export type ProvenCredential = Omit<Authenticator, "userId" | "providerAccountId">

/**
 * The browser's answer did not verify: malformed, another challenge, origin or RP ID, no user verification, a bad
 * signature or attestation. `stage` only; the library's message can quote the input.
 */
export class PasskeyCeremonyFailed extends Schema.TaggedError<PasskeyCeremonyFailed>()("PasskeyCeremonyFailed", {
  stage: Schema.Literals(["registration", "authentication"])
}) {}

/**
 * The WebAuthn ceremonies (W3C WebAuthn Level 3 §7.1 and §7.2): the options a browser gets, and the checks of
 * what it answers. The rules around them — which challenge is live, whose passkey it is, what the counter says —
 * are the domain's (src/domain/passkey*.ts); this port only speaks the protocol.
 */
export class PasskeyCeremony extends Context.Service<PasskeyCeremony, {
  readonly registrationOptions: (
    rp: RelyingParty,
    user: { readonly name: string; readonly displayName: string },
    exclude: ReadonlyArray<Authenticator>
  ) => Effect.Effect<CeremonyOptions>
  /** Options for a discoverable credential: no list of ids, so the browser offers the user's passkeys for this RP. */
  readonly authenticationOptions: (rp: RelyingParty) => Effect.Effect<CeremonyOptions>
  readonly verifyRegistration: (
    rp: RelyingParty,
    response: unknown,
    challenge: string
  ) => Effect.Effect<ProvenCredential, PasskeyCeremonyFailed>
  /** Checks the assertion against the stored key; answers the counter the authenticator sent. */
  readonly verifyAuthentication: (
    rp: RelyingParty,
    response: unknown,
    challenge: string,
    authenticator: Authenticator
  ) => Effect.Effect<{ readonly counter: number }, PasskeyCeremonyFailed>
}>()("authfx/PasskeyCeremony") {}
