/**
 * authfx wired to a real OpenID Provider (`oidcPeer.ts`) and a real SMTP server (`smtpPeer.ts`), served by
 * node:http on 127.0.0.1 and a free port, for the end-to-end tests in test/e2e/oidc.
 *
 * - OAuth providers: one per `IdpSpec`, all at the peer, each with its own confidential client
 *   (client_secret_basic) registered here with the redirect URI `<origin>/auth/callback/<id>`; served by the
 *   real openid-client ProviderClient (`OpenIdProviderClient.make`), with the domain's entry from
 *   `providerConfig`. The client is only observed: each refused callback's error is noted in
 *   `callbackFailures`, so a test can say which check refused a callback the browser only sees as
 *   `?error=OAuthCallbackError`.
 * - An e-mail provider (NodemailerMailer to the harness's own SMTP peer) and a credentials provider
 *   (`ada` / `correct horse`).
 * - Browsers over real HTTP that keep cookies; every request they make is kept for "no 5xx anywhere".
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import * as NodemailerMailer from "../../src/adapters/mail/NodemailerMailer.ts"
import { type OAuthCheck, type OAuthProviderOptions, providerConfig } from "../../src/adapters/oauth/OAuthProviderOptions.ts"
import * as OpenIdProviderClient from "../../src/adapters/oauth/OpenIdProviderClient.ts"
import { type AuthfxOptions, createAuth } from "../../src/compose/createAuth.ts"
import { type Account, ProviderId } from "../../src/domain/Account.ts"
import type { ProviderConfig } from "../../src/domain/Provider.ts"
import { TokenRotation } from "../../src/domain/tokenRotation.ts"
import type { User, UserId } from "../../src/domain/User.ts"
import { ProviderClient } from "../../src/ports/ProviderClient.ts"
import { Users } from "../../src/ports/Users.ts"
import { type Exchange, listen, makeNodeBrowser, type NodeBrowser } from "./nodeBrowser.ts"
import type { CookieJar, OidcPeer, PeerCallback } from "./oidcPeer.ts"
import { type SmtpPeer, startSmtpPeer } from "./smtpPeer.ts"

export const oidcTestSecret = "chYs23FIk7yQJ4nDIo6yPxktTem9JED/4fmLJT/JrCSk"
export const clientSecret = "oidc-e2e-client-secret-long-enough-0123456789"
export const sessionCookie = "authjs.session-token"
export const oauthCookie = "authjs.oauth-checks"

export interface IdpSpec {
  /** The provider id, e.g. "idp": `/auth/signin/<id>`, `/auth/callback/<id>`. */
  readonly id: string
  readonly trustEmail?: boolean
  readonly checks?: ReadonlyArray<OAuthCheck>
  /** Bounds each request to the provider; default the adapter's (10 s). */
  readonly timeoutMillis?: number
  /** Use this client of the peer (registered by whoever passes it) instead of registering a new one. */
  readonly clientId?: string
}

/** A callback the ProviderClient refused: the error's tag, and the check for ProviderCheckFailed. */
export interface CallbackFailure {
  readonly provider: string
  readonly tag: string
  readonly check: string | null
  /** ProviderUnavailable's and ProviderResponseInvalid's sentence for operators (never a secret). */
  readonly message: string | null
}

export interface OidcAuthOptions {
  /** Default: one provider `idp`, trustEmail false, the default checks. */
  readonly idps?: ReadonlyArray<IdpSpec>
  /** Everything else createAuth takes (users, session, accessTokenSkewSeconds, …). */
  readonly overrides?: Partial<AuthfxOptions>
}

const credentialsProvider: ProviderConfig = {
  type: "credentials",
  id: ProviderId.make("credentials"),
  name: "Password",
  fields: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
  trustEmail: false,
  authorize: (input) =>
    input["username"] === "ada" && input["password"] === "correct horse"
      ? { id: "app-ada", name: "Ada", email: "ada@example.com", emailVerified: true }
      : null
}

const emailProvider: ProviderConfig = {
  type: "email",
  id: ProviderId.make("email"),
  name: "Email",
  maxAge: 24 * 60 * 60,
  from: "auth@example.com"
}

/** The real openid-client ProviderClient, with every refused callback noted (nothing else changes). */
const notingProviderClient = (idps: ReadonlyArray<OAuthProviderOptions>, failures: Array<CallbackFailure>) =>
  Layer.effect(
    ProviderClient,
    Effect.map(OpenIdProviderClient.make(idps), (real) =>
      ProviderClient.of({
        ...real,
        callback: (provider, input) =>
          real.callback(provider, input).pipe(
            Effect.tapError((error) =>
              Effect.sync(() =>
                failures.push({
                  provider,
                  tag: error._tag,
                  check: error._tag === "ProviderCheckFailed" ? error.check : null,
                  message: "message" in error ? error.message : null
                })
              )
            )
          )
      }))
  )

const pathOf = (link: string) => {
  const url = new URL(link)
  return url.pathname + url.search
}

/** Starts authfx for `peer` (see the module comment). Close it with `close()`. */
export const serveOidcAuth = async (peer: OidcPeer, options: OidcAuthOptions = {}) => {
  const server = createServer()
  const listening = await listen(server)
  const smtp: SmtpPeer = await startSmtpPeer()
  const origin = listening.origin
  const apiUrl = `${origin}/auth`
  const callbackFailures: Array<CallbackFailure> = []

  const idps: ReadonlyArray<OAuthProviderOptions> = (options.idps ?? [{ id: "idp" }]).map((spec) => {
    const clientId = spec.clientId ?? `authfx-${spec.id}-${randomBytes(6).toString("hex")}`
    if (spec.clientId === undefined) {
      peer.addClient({
        clientId,
        clientSecret,
        auth: "client_secret_basic",
        redirectUris: [`${apiUrl}/callback/${spec.id}`]
      })
    }
    return {
      id: spec.id,
      name: `Test IdP (${spec.id})`,
      type: "oidc",
      trustEmail: spec.trustEmail ?? false,
      clientId,
      clientSecret: Redacted.make(clientSecret),
      clientAuth: "client_secret_basic",
      issuer: peer.issuer,
      ...(spec.timeoutMillis === undefined ? {} : { timeoutMillis: spec.timeoutMillis }),
      ...(spec.checks === undefined ? {} : { checks: spec.checks })
    } satisfies OAuthProviderOptions
  })

  const auth = await createAuth({
    secret: oidcTestSecret,
    http: { url: apiUrl },
    providers: [...idps.map(providerConfig), emailProvider, credentialsProvider],
    providerClient: notingProviderClient(idps, callbackFailures),
    mailer: NodemailerMailer.layer({ host: "127.0.0.1", port: smtp.port, timeoutMillis: 5_000 }),
    ...options.overrides
  }).catch(async (error: unknown) => {
    await listening.close()
    await smtp.close()
    throw error
  })
  server.on("request", auth.listener)

  const browsers: Array<NodeBrowser> = []
  const browser = (): NodeBrowser => {
    const b = makeNodeBrowser(origin)
    browsers.push(b)
    return b
  }

  /** POST /auth/signin/:provider (or /auth/link/:provider) with the CSRF token: the redirect to the IdP. */
  const startFlow = async (
    b: NodeBrowser,
    flow: { readonly provider?: string; readonly callbackUrl?: string; readonly link?: boolean; readonly query?: string } = {}
  ) => {
    const provider = flow.provider ?? "idp"
    const action = flow.link === true ? "link" : "signin"
    const response = await b.post(`/auth/${action}/${provider}${flow.query ?? ""}`, {
      csrfToken: await b.csrfToken(),
      callbackUrl: flow.callbackUrl ?? `${origin}/`
    })
    return { response, location: response.headers.get("location") ?? "" }
  }

  /** The whole OIDC sign-in (or link): start, the person at the IdP, the callback on authfx. */
  const idpSignIn = async (
    b: NodeBrowser,
    account: string,
    flow: {
      readonly provider?: string
      readonly callbackUrl?: string
      readonly link?: boolean
      readonly decision?: "approve" | "deny"
      readonly jar?: CookieJar
    } = {}
  ) => {
    const started = await startFlow(b, flow)
    if (started.response.status !== 302 || !started.location.startsWith(peer.issuer)) {
      throw new Error(`the flow did not go to the IdP: ${started.response.status} ${started.location}`)
    }
    const callback: PeerCallback = await peer.signIn(started.location, {
      account,
      ...(flow.decision === undefined ? {} : { decision: flow.decision }),
      ...(flow.jar === undefined ? {} : { jar: flow.jar })
    })
    const response = await b.get(callback.url)
    return { authorizationUrl: started.location, callback, response, location: response.headers.get("location") ?? "" }
  }

  /** A magic link from the SMTP peer, followed in `b`. */
  const emailSignIn = async (b: NodeBrowser, email: string) => {
    const sent = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email, callbackUrl: `${origin}/` })
    if (sent.status !== 302) throw new Error(`POST /auth/signin/email answered ${sent.status}`)
    const mail = await smtp.waitFor(email)
    const link = (mail.text ?? "").split("\n").map((line) => line.trim()).find((line) => line.startsWith("http"))
    if (link === undefined) throw new Error("the mail carries no link")
    return b.get(pathOf(link))
  }

  const credentialsSignIn = async (b: NodeBrowser) =>
    b.post("/auth/callback/credentials", {
      csrfToken: await b.csrfToken(),
      username: "ada",
      password: "correct horse",
      callbackUrl: `${origin}/`
    })

  const session = async (b: NodeBrowser): Promise<unknown> => (await b.get("/auth/session")).json()

  const accounts = async (b: NodeBrowser) => {
    const response = await b.get("/auth/accounts")
    return { status: response.status, body: (await response.json()) as unknown }
  }

  const store = <A, E>(f: (store: Users["Service"]) => Effect.Effect<A, E>) =>
    auth.runtime.runPromise(Users.use(f))

  /** The stored account of `sub` at `provider`, or undefined. */
  const account = async (sub: string, provider = "idp"): Promise<Account | undefined> =>
    Option.getOrUndefined(
      await store((s) => s.getAccount({ provider: ProviderId.make(provider), providerAccountId: sub }))
    )

  const userOf = async (sub: string, provider = "idp"): Promise<User | undefined> =>
    Option.getOrUndefined(
      await store((s) => s.getUserByAccount({ provider: ProviderId.make(provider), providerAccountId: sub }))
    )

  const getAccessToken = (userId: UserId, provider = "idp") =>
    auth.runtime.runPromise(
      TokenRotation.use((rotation) => rotation.getAccessToken(userId, ProviderId.make(provider))).pipe(
        Effect.map(Redacted.value)
      )
    )

  /** The error getAccessToken fails with (the test fails if it succeeds). */
  const getAccessTokenError = (userId: UserId, provider = "idp") =>
    auth.runtime.runPromise(
      Effect.flip(TokenRotation.use((rotation) => rotation.getAccessToken(userId, ProviderId.make(provider))))
    )

  return {
    auth,
    origin,
    apiUrl,
    port: listening.port,
    idps,
    smtp,
    callbackFailures,
    browser,
    startFlow,
    idpSignIn,
    emailSignIn,
    credentialsSignIn,
    session,
    accounts,
    store,
    account,
    userOf,
    getAccessToken,
    getAccessTokenError,
    /** Every request of every browser of this authfx so far. */
    exchanges: (): ReadonlyArray<Exchange> => browsers.flatMap((b) => b.exchanges),
    close: async () => {
      await listening.close()
      await auth.dispose()
      await smtp.close()
    }
  }
}

export type OidcAuth = Awaited<ReturnType<typeof serveOidcAuth>>

/** Sleeps until the stored access token of `account` has expired (and a little more), if it has not yet. */
export const untilExpired = async (account: Account | undefined, marginMillis = 150) => {
  const expiresAt = account?.expiresAt?.getTime()
  if (expiresAt === undefined) throw new Error("the account has no expiry")
  const wait = expiresAt + marginMillis - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}
