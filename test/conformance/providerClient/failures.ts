/** ProviderClient conformance: a provider that is not configured, and one that is down. */
import { assert, describe } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { ProviderId } from "../../../src/domain/Account.ts"
import { ProviderClient } from "../../../src/ports/ProviderClient.ts"
import { failureOf } from "../../support/failureOf.ts"
import { approvedFlow, assertCarriesNothing, type ConformanceIt, ProviderPeer, random, refreshTokenOf, signedIn, value } from "./fixtures.ts"

export const describeFailures = (it: ConformanceIt): void => {
  describe("unknown provider and outage", () => {
    // A provider id that is not configured fails every operation with `UnknownProvider`.
    it.effect("a provider id that is not configured: UnknownProvider from every operation", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const { tokens } = yield* signedIn()
        const other = ProviderId.make("not-configured")
        const checks = { state: random(), codeVerifier: random(), nonce: null }
        const outcomes = [
          yield* failureOf(client.authorize(other, { redirectUri: peer.redirectUri })),
          yield* failureOf(client.callback(other, { redirectUri: peer.redirectUri, params: { code: random(), state: checks.state }, checks })),
          yield* failureOf(client.profile(other, tokens)),
          yield* failureOf(client.refresh(other, refreshTokenOf(tokens))),
          yield* failureOf(client.revoke(other, tokens.accessToken!))
        ].map((error) => error._tag)
        assert.deepStrictEqual(outcomes, Array(5).fill("UnknownProvider"))
      }))

    // While the provider cannot be reached, every operation that must ask it fails with `ProviderUnavailable`, never a
    // defect, and works again once it is back; `authorize` may answer from what it already knows.
    it.effect("a provider that is down: ProviderUnavailable, never a defect, and working again once it is back", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const { request, params } = yield* approvedFlow()
        const { tokens } = yield* signedIn()
        const input = { redirectUri: peer.redirectUri, params, checks: request.checks }
        const { authorize, others } = yield* peer.whileDown(Effect.gen(function*() {
          const authorize = yield* Effect.exit(client.authorize(peer.provider, { redirectUri: peer.redirectUri }))
          const others = [
            yield* failureOf(client.callback(peer.provider, input)),
            yield* failureOf(client.profile(peer.provider, tokens)),
            yield* failureOf(client.refresh(peer.provider, refreshTokenOf(tokens))),
            yield* failureOf(client.revoke(peer.provider, tokens.accessToken!))
          ]
          return { authorize, others }
        }))
        assert.deepStrictEqual(others.map((error) => error._tag), Array(4).fill("ProviderUnavailable"))
        for (const error of others) assertCarriesNothing(error, [params["code"] ?? "", value(tokens.accessToken), value(tokens.refreshToken)])
        if (Exit.isFailure(authorize)) assert.strictEqual((yield* failureOf(authorize))._tag, "ProviderUnavailable")
        assert.isNotNull((yield* client.refresh(peer.provider, tokens.refreshToken!)).accessToken)
      }))
  })
}
