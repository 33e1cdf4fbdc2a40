import { Effect, Layer, Redacted } from "effect"
import * as MemoryMailer from "../../src/adapters/memory/MemoryMailer.ts"
import * as MemoryProviderClient from "../../src/adapters/memory/MemoryProviderClient.ts"
import * as MemoryUserStore from "../../src/adapters/memory/MemoryUserStore.ts"
import { ProviderId } from "../../src/domain/Account.ts"
import { MailPeer, suite as mailerSuite } from "./Mailer.ts"
import { ProviderPeer, suite as providerClientSuite } from "./ProviderClient.ts"
import { suite as userStoreSuite } from "./UserStore.ts"

userStoreSuite("memory", MemoryUserStore.layer)

/** The outbox is the other side of the memory mailer: what it holds is what was delivered, to `to` alone. */
const outboxPeer = Layer.effect(
  MailPeer,
  Effect.map(MemoryMailer.Outbox, (outbox) =>
    MailPeer.of({
      delivered: Effect.map(outbox.all, (messages) =>
        messages.map((message) => ({
          recipients: [message.to],
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: Redacted.value(message.text),
          html: Redacted.value(message.html)
        })))
    }))
)

mailerSuite("memory outbox", outboxPeer.pipe(Layer.provideMerge(MemoryMailer.layer())), {
  outage: { optOut: "the outbox is a list in this process; there is no mail system that could be down" }
})

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

providerClientSuite("scripted provider", scripted("oidc"), { type: "oidc" })
providerClientSuite("scripted provider", scripted("oauth"), { type: "oauth" })
