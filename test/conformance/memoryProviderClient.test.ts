import { Effect, Layer } from "effect"
import * as MemoryProviderClient from "../../src/adapters/memory/MemoryProviderClient.ts"
import { ProviderId } from "../../src/domain/Account.ts"
import { ProviderPeer, suite } from "./ProviderClient.ts"

/** The scripted provider plays the person (approve, deny) and the outage (setOutage) itself. */
const scripted = (type: "oidc" | "oauth") => {
  const provider = ProviderId.make(`scripted-${type}`)
  const peer = Layer.effect(
    ProviderPeer,
    Effect.map(MemoryProviderClient.ScriptedProvider, (script) =>
      ProviderPeer.of({
        provider,
        redirectUri: `https://app.example.com/auth/callback/${provider}`,
        approve: script.approve,
        deny: (url) => script.deny(url),
        whileDown: (effect) =>
          Effect.acquireUseRelease(script.setOutage(provider, true), () => effect, () => script.setOutage(provider, false))
      }))
  )
  return peer.pipe(Layer.provideMerge(MemoryProviderClient.layer([{ id: provider, type }])))
}

suite("scripted provider", scripted("oidc"), { type: "oidc" })
suite("scripted provider", scripted("oauth"), { type: "oauth" })
