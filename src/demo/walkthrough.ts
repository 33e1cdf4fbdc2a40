import { Effect, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as MemoryKeyStore from "../adapters/memory/MemoryKeyStore.ts"
import * as MemoryMailer from "../adapters/memory/MemoryMailer.ts"
import * as MemoryProviderClient from "../adapters/memory/MemoryProviderClient.ts"
import * as MemoryLedger from "../adapters/memory/MemoryLedger.ts"
import * as MemoryUsers from "../adapters/memory/MemoryUsers.ts"
import { coreLayer } from "../compose/coreLayer.ts"
import { generateSecret } from "../compose/secretFromEnv.ts"
import type { ProviderId } from "../domain/Account.ts"
import { completeEmailSignIn, requestEmailSignIn } from "../domain/emailSignIn.ts"
import { completeOAuthSignIn, startOAuthSignIn } from "../domain/oauthSignIn.ts"
import { endSession, readSession } from "../domain/sessionLifecycle.ts"
import { credentialOf } from "../domain/Session.ts"
import { TokenRotation } from "../domain/tokenRotation.ts"

/**
 * A console walkthrough of the core on memory layers: e-mail sign-in, linking an OAuth provider while
 * signed in, reading the session, rotating an expired access token and signing out. Time is a
 * TestClock so the walkthrough can skip an hour without waiting.
 */
const idp = "idp" as ProviderId
const say = (line: string) => Effect.sync(() => console.log(line))

const walkthrough = Effect.gen(function*() {
  yield* TestClock.setTime(Date.now())
  yield* say("authfx core walkthrough (memory layers)\n")

  yield* say("1. Ada asks for a magic link")
  let link = ""
  yield* requestEmailSignIn({
    provider: "email",
    email: "Ada@Example.com",
    host: "localhost:3000",
    link: (token, identifier) => {
      link = `http://localhost:3000/auth/callback/email?token=${Redacted.value(token)}&email=${encodeURIComponent(identifier)}`
      return link
    }
  })
  const url = new URL(link)
  yield* say(`   mail sent; she clicks ${url.origin}${url.pathname}?token=…`)
  const emailed = yield* completeEmailSignIn({
    provider: "email",
    email: url.searchParams.get("email")!,
    token: Redacted.make(url.searchParams.get("token")!)
  })
  // No two-factor in this walkthrough: the link gives a session at once.
  if (emailed.session === null) return yield* Effect.die(new Error("the walkthrough's user has no second factor"))
  const session = emailed.session
  yield* say(`   signed in as ${emailed.user.email} (new user: ${emailed.isNewUser})`)
  const clicked = yield* Effect.flip(completeEmailSignIn({
    provider: "email",
    email: url.searchParams.get("email")!,
    token: Redacted.make(url.searchParams.get("token")!)
  }))
  yield* say(`   the same link again: ${clicked._tag}\n`)

  yield* say("2. Signed in, she links her account at the identity provider (a link flow)")
  const redirectUri = "http://localhost:3000/auth/callback/idp"
  const started = yield* startOAuthSignIn(idp, { redirectUri })
  yield* say(`   redirect to ${started.url.slice(0, 72)}…`)
  const params = yield* MemoryProviderClient.ScriptedProvider.use((provider) =>
    provider.approve(started.url, { id: "idp-ada", name: "Ada L.", email: "ada@example.com", emailVerified: true, image: null })
  )
  const linked = yield* completeOAuthSignIn({
    provider: idp,
    redirectUri,
    params,
    checks: started.checks,
    linkTo: Option.some(emailed.user)
  })
  yield* say(`   ${linked.decision}: the idp account now belongs to the same user (${linked.user.id === emailed.user.id})\n`)

  yield* say("3. The session")
  const read = yield* readSession(credentialOf(session))
  if (read._tag === "Active") yield* say(`   GET /session → ${JSON.stringify(read.view)}\n`)

  yield* say("4. An hour later the access token has expired; the API call needs one")
  yield* TestClock.adjust("61 minutes")
  const token = yield* TokenRotation.use((rotation) => rotation.getAccessToken(emailed.user.id, idp))
  const refreshes = (yield* MemoryProviderClient.ScriptedProvider.use((provider) => provider.stats(idp))).refreshes
  yield* say(`   got a fresh access token (${Redacted.value(token).slice(0, 6)}…) after ${refreshes} refresh\n`)

  yield* say("5. Sign out: the copied cookie stops working")
  yield* endSession(credentialOf(session))
  const after = yield* readSession(credentialOf(session))
  yield* say(`   GET /session with the old cookie → ${after._tag === "Active" ? "still active!" : "null"}`)
})

const layer = coreLayer({
  providers: [
    { type: "email", id: "email" as ProviderId, name: "Email", maxAge: 86_400, from: "auth@localhost" },
    { type: "oidc", id: idp, name: "Identity provider", trustEmail: true }
  ]
}).pipe(Layer.provideMerge(Layer.mergeAll(
  MemoryUsers.layer,
  MemoryLedger.layer,
  MemoryMailer.layer(),
  MemoryProviderClient.layer([{ id: idp, type: "oidc", accessTokenSeconds: 3600 }]),
  // A secret of its own each run: nothing outlives the walkthrough.
  MemoryKeyStore.layer({ secrets: [Redacted.make(generateSecret())] })
)))

await Effect.runPromise(walkthrough.pipe(Effect.provide(layer), Effect.provide(TestClock.layer())))
