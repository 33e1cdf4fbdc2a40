import { Effect, Layer, Option, Redacted } from "effect"
import * as MemoryMailer from "../../src/adapters/memory/MemoryMailer.ts"
import * as MemoryProviderClient from "../../src/adapters/memory/MemoryProviderClient.ts"
import { type AuthfxOptions, createAuth } from "../../src/compose/createAuth.ts"
import type { Profile } from "../../src/domain/Profile.ts"
import { Mailer } from "../../src/ports/Mailer.ts"
import { ProviderClient } from "../../src/ports/ProviderClient.ts"
import { type Browser, makeBrowser } from "./browser.ts"
import { github, google, testProviders } from "./memoryHarness.ts"

export const testSecret = "J7RDV930HmbtDXgXVkjF4whtCBD3lAYBQXdiSILwCeHg"

/**
 * authfx on memory adapters, mounted as a web handler, with the handles a test needs: the scripted
 * provider (to approve or deny at the "IdP"), the outbox (to read magic links) and fresh browsers.
 * Rate limits are off unless a test asks for them: these suites sign the same users in and mail the same
 * addresses dozens of times a minute, which is exactly what the limits refuse (test/http/rateLimit/).
 */
export const startAuth = async (overrides: Partial<AuthfxOptions> = {}) => {
  const origin = overrides.http?.url === undefined ? "http://localhost:3000" : new URL(overrides.http.url).origin
  const scripted = Effect.runSync(MemoryProviderClient.make([
    { id: github, type: "oauth", accessTokenSeconds: 3600 },
    { id: google, type: "oidc", accessTokenSeconds: 600 }
  ]))
  const mail = Effect.runSync(MemoryMailer.make())
  const auth = await createAuth({
    providers: testProviders,
    secret: testSecret,
    http: { url: `${origin}/auth` },
    mailer: Layer.succeed(Mailer, mail.mailer),
    providerClient: Layer.succeed(ProviderClient, scripted.client),
    rateLimit: false,
    ...overrides
  })
  const browser = (): Browser => makeBrowser(auth.handler, origin)

  /** The link in the latest mail to `to`, as a path + query on our origin. */
  const mailedLink = async (to: string) => {
    const message = Option.getOrThrow(await Effect.runPromise(mail.outbox.latestTo(to)))
    const line = Redacted.value(message.text).split("\n").find((l) => l.startsWith("http"))!
    const url = new URL(line)
    return url.pathname + url.search
  }

  /** Plays the IdP: the person behind `profile` approves the authorization the browser was sent to. */
  const approve = (authorizationUrl: string, profile: Profile) =>
    Effect.runPromise(scripted.script.approve(authorizationUrl, profile))
  const deny = (authorizationUrl: string, error?: string) => Effect.runPromise(scripted.script.deny(authorizationUrl, error))

  /** A full OAuth sign-in in `b`: POST /signin/:provider, approval at the IdP, the callback. */
  const oauthSignIn = async (b: Browser, provider: string, profile: Profile, callbackUrl = "/") => {
    const start = await b.post(`/auth/signin/${provider}`, { csrfToken: await b.csrfToken(), callbackUrl })
    const params = await approve(start.headers.get("location")!, profile)
    return b.get(`/auth/callback/${provider}?${new URLSearchParams(params)}`)
  }

  const credentialsSignIn = async (b: Browser, username = "ada", password = "correct horse") =>
    b.post("/auth/callback/credentials", { csrfToken: await b.csrfToken(), username, password, callbackUrl: "/" })

  const session = async (b: Browser) => (await b.get("/auth/session")).json() as Promise<unknown>

  return {
    auth,
    origin,
    browser,
    mailedLink,
    approve,
    deny,
    oauthSignIn,
    credentialsSignIn,
    session,
    script: scripted.script,
    outbox: mail.outbox
  }
}
