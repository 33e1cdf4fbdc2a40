/**
 * The ProviderClient conformance suite: every adapter (the scripted provider in memory, openid-client against a
 * real oidc-provider) runs it unchanged, so each sentence of the contract on `ProviderClient`
 * (src/ports/ProviderClient.ts) has a case here.
 *
 * A client is only half of a flow, so each run provides a `ProviderPeer` next to the `ProviderClient`: the person
 * at the provider (who approves or refuses an authorization URL) and the provider's availability. Cases start their
 * own flows with fresh random accounts, share one client and depend on no order. The cases live in ./providerClient/,
 * one file per area (fixtures.ts holds what they share and `ProviderPeer`); `suite` registers them in order.
 */
import { layer } from "@effect/vitest"
import type { Layer } from "effect"
import type { ProviderClient } from "../../src/ports/ProviderClient.ts"
import { describeAuthorization } from "./providerClient/authorization.ts"
import { describeFailures } from "./providerClient/failures.ts"
import type { ProviderPeer, ProviderType } from "./providerClient/fixtures.ts"
import { describeTokens } from "./providerClient/tokens.ts"

export { ProviderPeer } from "./providerClient/fixtures.ts"

export interface SuiteOptions {
  /** What the peer's provider speaks: OpenID Connect (ID tokens, nonce) or plain OAuth 2. */
  readonly type: ProviderType
}

/** Registers the conformance cases for one adapter, sharing one client and its peer among them. */
export const suite = (
  name: string,
  clientLayer: Layer.Layer<ProviderClient | ProviderPeer, unknown>,
  { type }: SuiteOptions
): void =>
  layer(clientLayer, { excludeTestServices: true })(`ProviderClient conformance: ${name} (${type})`, (it) => {
    describeAuthorization(it, type)
    describeTokens(it)
    describeFailures(it)
  })
