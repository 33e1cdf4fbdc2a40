import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, ManagedRuntime, Redacted, Scope } from "effect"
import { HttpEffect, HttpRouter } from "effect/http"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as JoseTokenCodec from "../adapters/jose/JoseTokenCodec.ts"
import * as MemoryKeyStore from "../adapters/memory/MemoryKeyStore.ts"
import * as MemoryMailer from "../adapters/memory/MemoryMailer.ts"
import * as MemoryProviderClient from "../adapters/memory/MemoryProviderClient.ts"
import * as MemoryLedger from "../adapters/memory/MemoryLedger.ts"
import * as MemoryRateLimiterStore from "../adapters/memory/MemoryRateLimiterStore.ts"
import * as LedgerRateLimiterStore from "../adapters/ledger/LedgerRateLimiterStore.ts"
import type { RateLimiterStore } from "effect/persistence/RateLimiter"
import type { RateLimitOptions } from "../domain/rateLimit/rateLimitRules.ts"
import { RateLimits } from "../domain/rateLimit/RateLimits.ts"
import * as MemoryUsers from "../adapters/memory/MemoryUsers.ts"
import { type OAuthProviderOptions, providerConfig } from "../adapters/oauth/OAuthProviderOptions.ts"
import * as OpenIdProviderClient from "../adapters/oauth/OpenIdProviderClient.ts"
import * as SimpleWebAuthnCeremony from "../adapters/webauthn/SimpleWebAuthnCeremony.ts"
import * as SealedTokensUsers from "../adapters/sealedTokens/SealedTokensUsers.ts"
import type { AuthOptions } from "../domain/AuthConfig.ts"
import type { SessionView } from "../domain/Session.ts"
import { authRoutes } from "../http/authRoutes.ts"
import { resolveAppHttpOptions } from "../http/emailLinkBase.ts"
import { type AuthHttpOptions, HttpOptions } from "../http/HttpOptions.ts"
import { makeSessionFastPath } from "../http/session/sessionFastPath.ts"
import { VerifiedTokens } from "../http/session/VerifiedTokens.ts"
import type { KeyStore } from "../ports/KeyStore.ts"
import type { Ledger } from "../ports/Ledger.ts"
import { requireStrongSecrets } from "../adapters/keyring/keyOptions.ts"
import type { Mailer } from "../ports/Mailer.ts"
import type { ProviderClient } from "../ports/ProviderClient.ts"
import type { Users } from "../ports/Users.ts"
import * as LedgerLease from "../domain/ledgerLease.ts"
import { sweeping, type SweepOptions } from "../domain/sweepExpired.ts"
import type { JobLock } from "../ports/JobLock.ts"
import { coreLayer } from "./coreLayer.ts"
import { observabilityLayer } from "./observabilityLayer.ts"
import type { ObservabilityOptions } from "../adapters/otlp/OtlpExport.ts"
import { makeGetSession } from "../http/getSession.ts"
import { type NodeListener, nodeListener } from "../http/node.ts"
import { protectNode, type ProtectOptions, protectWeb } from "../http/protect.ts"
import { webHandler } from "../http/web.ts"

type Secret = string | Redacted.Redacted<string>

export interface AuthfxOptions extends Omit<AuthOptions, "providers"> {
  /** E-mail and credentials providers (and OAuth providers served by a `providerClient` of your own). */
  readonly providers?: AuthOptions["providers"]
  /**
   * OAuth 2 / OpenID Connect providers (the presets in `providers`, or your own options): listed with the
   * others and served by the openid-client ProviderClient.
   */
  readonly oauthProviders?: ReadonlyArray<OAuthProviderOptions>
  /** AUTH_SECRET, then older secrets that still verify (so rotating the secret signs nobody out). */
  readonly secret: Secret | ReadonlyArray<Secret>
  readonly http: AuthHttpOptions
  /** The session key: an encrypted JWT keyed from the secret by default. */
  readonly sessionKeys?: MemoryKeyStore.SessionKeyOptions
  /**
   * Keep users signed in who arrive with an Auth.js v5 or NextAuth v4 session cookie made with these secrets
   * (NextAuth v4's cookie is `next-auth.session-token`: read under `http.cookies.prefix: "next-auth"`).
   */
  readonly authjsSecrets?: ReadonlyArray<Secret>
  /** The adapters; each defaults to its memory implementation (the KeyStore derives its keys from `secret`). */
  readonly users?: Layer.Layer<Users, unknown>
  /** Revocations, refresh claims and counters, shared by every node of a deployment (memory: this process). */
  readonly ledger?: Layer.Layer<Ledger, unknown>
  readonly keyStore?: Layer.Layer<KeyStore, unknown>
  /**
   * Which node does the one-node jobs (the sweep): a lease in the ledger by default; on PostgreSQL,
   * `PostgresJobLock.layer` (an advisory lock).
   */
  readonly jobLock?: Layer.Layer<JobLock, unknown, Ledger>
  /** How often expired sessions, tokens and ledger entries are deleted, and in what batches (README "Sweeping"). */
  readonly sweep?: SweepOptions
  readonly mailer?: Layer.Layer<Mailer, unknown>
  readonly providerClient?: Layer.Layer<ProviderClient, unknown>
  /** Traces and metrics over OTLP/HTTP (README "Observability"). Off when absent: nothing is exported. */
  readonly observability?: ObservabilityOptions
  /**
   * Rate limits and the failed-password backoff (README "Rate limits"); `false` turns every rule off.
   * `store` keeps the counters: by default the `ledger` when one is given (shared by the nodes on it),
   * else this process's memory (bounded).
   */
  readonly rateLimit?: false | (RateLimitOptions & { readonly store?: Layer.Layer<RateLimiterStore, unknown> })
}

/** Where the counters live: the given store, else the given ledger (shared), else bounded memory. */
const rateLimitLayer = (options: AuthfxOptions) => {
  const store = (options.rateLimit === false ? undefined : options.rateLimit?.store) ??
    (options.ledger === undefined ? MemoryRateLimiterStore.layer() : LedgerRateLimiterStore.layer)
  return Layer.mergeAll(RateLimits.layer(options.rateLimit === false ? false : options.rateLimit), store)
}

const secrets = (value: Secret | ReadonlyArray<Secret>) =>
  (Array.isArray(value) ? value : [value]).map((s: Secret) => (typeof s === "string" ? Redacted.make(s) : s))

// Whether a provider may be spoken to over plain http is the adapter's decision, per provider.
const defaultProviderClient = (oauth: ReadonlyArray<OAuthProviderOptions>) =>
  oauth.length === 0 ? MemoryProviderClient.layer([]) : OpenIdProviderClient.layer(oauth)

/** Every service the routes need, over the chosen adapters. Build it once: it holds the stores. */
export const authAppLayer = (options: AuthfxOptions) => {
  const oauth = options.oauthProviders ?? []
  const domainOptions: AuthOptions = {
    ...options,
    providers: [...oauth.map(providerConfig), ...(options.providers ?? [])]
  }
  const ports = Layer.mergeAll(
    // Whichever key store is chosen: `secret` is the deployment's, and a weak one stops the start (WeakSecret).
    Layer.effectDiscard(requireStrongSecrets(secrets(options.secret))),
    options.users ?? MemoryUsers.layer,
    options.ledger ?? MemoryLedger.layer,
    options.mailer ?? MemoryMailer.layer(),
    options.providerClient ?? defaultProviderClient(oauth),
    SimpleWebAuthnCeremony.layer,
    options.keyStore ??
      MemoryKeyStore.layer({ secrets: secrets(options.secret), ...(options.sessionKeys ? { session: options.sessionKeys } : {}) })
  )
  const codec = JoseTokenCodec.layer(
    options.authjsSecrets === undefined ? {} : { authjs: { secrets: secrets(options.authjsSecrets) } }
  )
  const http = Layer.effect(HttpOptions, resolveAppHttpOptions(options.http, domainOptions.providers))
  return Layer.mergeAll(VerifiedTokens.layer, http, rateLimitLayer(options)).pipe(
    Layer.provideMerge(codec),
    Layer.provideMerge(coreLayer(domainOptions)),
    // Expired tokens, sessions and ledger entries go on the domain's schedule, for as long as the app runs.
    Layer.provideMerge(sweeping(options.sweep)),
    Layer.provideMerge(options.jobLock ?? LedgerLease.layer),
    // OAuth tokens are sealed at rest whatever store keeps them; rows still in plain text are sealed at start.
    Layer.provideMerge(SealedTokensUsers.sealing({ sealStoredTokensAtStart: true })),
    Layer.provideMerge(ports),
    // The metric registry and, when configured, the exporters: every service and request sees them.
    Layer.provideMerge(observabilityLayer(options.observability))
  )
}

export interface AuthfxApp {
  /** A Node `(req, res)` listener for http.createServer, Express (`app.use(auth.listener)`), Fastify. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void
  /** A web handler for Next.js route handlers, Bun, Deno, Hono. */
  readonly handler: (request: Request) => Promise<Response>
  /** The session of a request in application code, or null. */
  readonly getSession: (request: Request | IncomingMessage) => Promise<SessionView | null>
  /** Middleware `(req, res, next)` that lets only signed-in requests through (Express, Connect, node:http). */
  readonly protect: (
    options?: ProtectOptions
  ) => (req: IncomingMessage, res: ServerResponse & { locals?: Record<string, unknown> }, next: (error?: unknown) => void) => void
  /** Wraps a web handler so that it runs only with a session. */
  readonly protectWeb: (
    handler: (request: Request, session: SessionView) => Response | Promise<Response>,
    options?: ProtectOptions
  ) => (request: Request) => Promise<Response>
  /** Where the API is mounted, e.g. "/auth". */
  readonly basePath: string
  /** Runs Effect programs against the same services (the user store, token rotation, …). */
  readonly runtime: ManagedRuntime.ManagedRuntime<Layer.Success<ReturnType<typeof authAppLayer>>, never>
  readonly dispose: () => Promise<void>
}

/**
 * Builds authfx once from a configuration and mounts it every way: a Node listener, a web handler and
 * `getSession`, all on the same services (one user store, one token cache).
 */
export const createAuth = async (options: AuthfxOptions): Promise<AuthfxApp> => {
  const http = await Effect.runPromise(resolveAppHttpOptions(options.http, options.providers ?? []))
  const scope = Effect.runSync(Scope.make())
  const built = await Effect.runPromise(
    Effect.gen(function*() {
      const context = yield* Layer.build(Layer.mergeAll(authAppLayer(options), NodeHttpServer.layerHttpServices))
      const httpEffect = yield* HttpRouter.toHttpEffect(authRoutes(http.basePath))
      const listener = yield* NodeHttpServer.makeHandler(httpEffect, { scope }).pipe(Effect.provideContext(context))
      const fast = yield* makeSessionFastPath.pipe(Effect.provideContext(context))
      return { context, httpEffect, listener, fast }
    }).pipe(Scope.provide(scope))
  ).catch(async (error: unknown) => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  })
  type Provided = typeof built.context extends Context.Context<infer A> ? A : never
  type Required = typeof built.httpEffect extends Effect.Effect<unknown, unknown, infer R> ? R : never
  const routedHandler = HttpEffect.toWebHandlerWith<Provided, Required>(built.context)(built.httpEffect)
  const runtime = ManagedRuntime.make(Layer.succeedContext(built.context as Context.Context<Layer.Success<ReturnType<typeof authAppLayer>>>))
  const listener = nodeListener(built.listener as NodeListener, built.fast)
  const handler = webHandler(routedHandler, built.fast)
  const getSession = makeGetSession((effect) => runtime.runPromise(effect), built.fast)
  return {
    listener,
    handler,
    getSession,
    protect: (protectOptions) => protectNode(getSession, http.basePath, protectOptions),
    protectWeb: (protected_, protectOptions) => protectWeb(getSession, http.basePath, protected_, protectOptions),
    basePath: http.basePath,
    runtime,
    dispose: async () => {
      await runtime.dispose()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}
