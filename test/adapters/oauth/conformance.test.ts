import { Context, Effect, Layer, Redacted } from "effect"
import * as OpenIdProviderClient from "../../../src/adapters/oauth/OpenIdProviderClient.ts"
import { ProviderId } from "../../../src/domain/Account.ts"
import type { Profile } from "../../../src/domain/Profile.ts"
import { ProviderClient } from "../../../src/ports/ProviderClient.ts"
import { ProviderPeer, suite } from "../../conformance/ProviderClient.ts"
import { startOidcPeer } from "../../support/oidcPeer.ts"

const clientSecret = "txECepmMdNNol7DxJLrOjZxvffGfvNczD9I+iHXEhQhH"
/** Nothing listens there: the test reads the callback from the provider's redirect. */
const redirectUri = "http://127.0.0.1:9/auth/callback/idp"
const provider = ProviderId.make("idp")

/** The claims oidc-provider answers for the person `profile` describes (the default mapping reads them back). */
const claimsOf = (profile: Profile): Record<string, unknown> => ({
  ...(profile.name === null ? {} : { name: profile.name }),
  ...(profile.email === null ? {} : { email: profile.email, email_verified: profile.emailVerified }),
  ...(profile.image === null ? {} : { picture: profile.image })
})

/**
 * OpenIdProviderClient (discovery, client_secret_basic) against a real oidc-provider on 127.0.0.1. The person signs
 * in through the provider's own login and consent interactions, headless (oidcPeer's `signIn`); an outage stops the
 * provider's listener and restarts it on the same port.
 */
const againstOidcProvider = Layer.effectContext(Effect.gen(function*() {
  const peer = yield* Effect.acquireRelease(
    Effect.promise(() =>
      startOidcPeer({
        clients: [{ clientId: "authfx-conformance", clientSecret, auth: "client_secret_basic", redirectUris: [redirectUri] }]
      })
    ),
    (peer) => Effect.promise(() => peer.stop())
  )
  const client = yield* OpenIdProviderClient.make([{
    id: provider,
    name: "oidc-provider",
    type: "oidc",
    trustEmail: false,
    issuer: peer.issuer,
    clientId: "authfx-conformance",
    clientSecret: Redacted.make(clientSecret),
    clientAuth: "client_secret_basic",
    timeoutMillis: 2_000
  }])
  const driver = ProviderPeer.of({
    provider,
    redirectUri,
    approve: (url, profile) =>
      Effect.promise(async () => {
        peer.addAccount({ sub: profile.id, claims: claimsOf(profile) })
        return (await peer.signIn(url, { account: profile.id })).params
      }),
    deny: (url) => Effect.promise(async () => (await peer.signIn(url, { account: "nobody", decision: "deny" })).params),
    whileDown: (effect) =>
      Effect.acquireUseRelease(Effect.promise(() => peer.stop()), () => effect, () => Effect.promise(() => peer.restart()))
  })
  return Context.make(ProviderClient, client).pipe(Context.add(ProviderPeer, driver))
}))

suite("openid-client against oidc-provider", againstOidcProvider, { type: "oidc" })
