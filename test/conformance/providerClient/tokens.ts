/** ProviderClient conformance: what tokens are good for afterwards — `profile`, `refresh`, `revoke`. */
import { assert, describe } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { ProviderClient } from "../../../src/ports/ProviderClient.ts"
import { failureOf } from "../../support/failureOf.ts"
import { assertCarriesNothing, type ConformanceIt, person, ProviderPeer, random, refreshTokenOf, signedIn, value } from "./fixtures.ts"

export const describeTokens = (it: ConformanceIt): void => {
  describe("profile, refresh and revoke", () => {
    // `profile` asks the provider again with an access token and maps the same profile, for tokens stored earlier;
    // it never trusts an ID token it did not just validate. An access token the provider refuses fails with
    // `ProviderResponseInvalid`.
    it.effect("profile: the same profile from the access token, whatever ID token is stored; a forged token is ProviderResponseInvalid", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const profile = person()
        const { tokens } = yield* signedIn(profile)
        assert.deepStrictEqual(yield* client.profile(peer.provider, tokens), profile)
        assert.deepStrictEqual(yield* client.profile(peer.provider, { ...tokens, idToken: null }), profile)
        // An unsigned ID token naming someone else, as a tampered store could hold.
        const claims = Buffer.from(JSON.stringify({ sub: "mallory", email: "mallory@example.org", email_verified: true }))
        const forgedIdToken = Redacted.make(`eyJhbGciOiJub25lIn0.${claims.toString("base64url")}.`)
        assert.deepStrictEqual(yield* client.profile(peer.provider, { ...tokens, idToken: forgedIdToken }), profile)
        const forged = yield* failureOf(client.profile(peer.provider, { ...tokens, accessToken: Redacted.make(random()) }))
        assert.strictEqual(forged._tag, "ProviderResponseInvalid")
      }))

    // `refresh` spends a refresh token for new tokens; after a rotation the spent one fails with `InvalidGrant`, as
    // does one the provider does not know.
    it.effect("refresh: new tokens; a rotated-out refresh token is InvalidGrant", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const profile = person()
        const { tokens } = yield* signedIn(profile)
        const refreshed = yield* client.refresh(peer.provider, refreshTokenOf(tokens))
        assert.notStrictEqual(value(refreshed.accessToken), value(tokens.accessToken))
        assert.deepStrictEqual(yield* client.profile(peer.provider, { ...refreshed, idToken: null }), profile)
        if (refreshed.refreshToken !== null) {
          assert.notStrictEqual(value(refreshed.refreshToken), value(tokens.refreshToken))
          const spent = yield* failureOf(client.refresh(peer.provider, tokens.refreshToken!))
          assert.strictEqual(spent._tag, "InvalidGrant")
          assertCarriesNothing(spent, [value(tokens.refreshToken), value(refreshed.refreshToken)])
        }
      }))

    it.effect("refresh with a token the provider never issued, or an empty one: InvalidGrant", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        for (const token of [random(), ""]) {
          assert.strictEqual((yield* failureOf(client.refresh(peer.provider, Redacted.make(token))))._tag, "InvalidGrant")
        }
      }))

    // `revoke` revokes a token where the provider offers revocation, and otherwise does nothing; revoking a token
    // that is gone is no error.
    it.effect("revoke: the refresh token is then InvalidGrant, the access token refused; revoking again is no error", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const { tokens } = yield* signedIn()
        yield* client.revoke(peer.provider, refreshTokenOf(tokens))
        assert.strictEqual((yield* failureOf(client.refresh(peer.provider, tokens.refreshToken!)))._tag, "InvalidGrant")
        const other = (yield* signedIn()).tokens
        yield* client.revoke(peer.provider, other.accessToken!)
        assert.strictEqual((yield* failureOf(client.profile(peer.provider, other)))._tag, "ProviderResponseInvalid")
        yield* client.revoke(peer.provider, tokens.refreshToken!)
        yield* client.revoke(peer.provider, Redacted.make(random()))
      }))
  })
}
