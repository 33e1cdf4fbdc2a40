import { Clock, Context, Effect, Layer, Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import type { ProviderId, TokenSet } from "../../domain/Account.ts"
import { equalSecrets } from "../../domain/equalSecrets.ts"
import type { Profile } from "../../domain/Profile.ts"
import {
  InvalidGrant,
  ProviderCheckFailed,
  ProviderClient,
  ProviderDenied,
  ProviderResponseInvalid,
  ProviderUnavailable,
  UnknownProvider
} from "../../ports/ProviderClient.ts"

export interface ScriptedProviderOptions {
  readonly id: ProviderId
  readonly type: "oauth" | "oidc"
  /** Seconds an access token lives; null: the provider says nothing about expiry. Default 3600. */
  readonly accessTokenSeconds?: number | null
  /** Whether each refresh spends the refresh token and hands out a new one (as OAuth 2.1 asks). Default true. */
  readonly rotateRefreshTokens?: boolean
}

/** What a test can make the scripted provider do, and what it can ask it afterwards. */
export class ScriptedProvider extends Context.Service<ScriptedProvider, {
  /** The person behind `profile` signs in at the provider and consents: returns the callback parameters. */
  readonly approve: (authorizationUrl: string, profile: Profile) => Effect.Effect<Record<string, string>>
  /** The person refuses (or the provider fails): returns the callback parameters carrying `error`. */
  readonly deny: (authorizationUrl: string, error?: string) => Effect.Effect<Record<string, string>>
  /** Takes the provider down or brings it back. */
  readonly setOutage: (provider: ProviderId, down: boolean) => Effect.Effect<void>
  /** Makes every refresh take this long (real time), to widen race windows. */
  readonly setRefreshDelay: (provider: ProviderId, millis: number) => Effect.Effect<void>
  /** The user revokes our access at the provider: every refresh token stops working. */
  readonly revokeAllGrants: (provider: ProviderId) => Effect.Effect<void>
  readonly stats: (provider: ProviderId) => Effect.Effect<{ readonly refreshes: number; readonly revocations: number }>
  /** Whether the provider would accept this access token now. */
  readonly isAccessTokenValid: (token: string) => Effect.Effect<boolean>
}>()("authfx/memory/ScriptedProvider") {}

interface Pending {
  readonly provider: ProviderId
  readonly redirectUri: string
  readonly challenge: string
  readonly nonce: string | null
}
interface Code extends Pending {
  readonly profile: Profile
  readonly state: string
  used: boolean
  grant: number | null
}
interface Grant {
  readonly provider: ProviderId
  readonly profile: Profile
  revoked: boolean
}

const random = (bytes: number) => Base64Url.encode(crypto.getRandomValues(new Uint8Array(bytes)))
const s256 = (verifier: string) =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))).pipe(
    Effect.map((digest) => Base64Url.encode(new Uint8Array(digest)))
  )

/**
 * A scripted OAuth 2 / OpenID Connect provider held in memory: it keeps authorization requests,
 * single-use codes bound to their PKCE challenge and redirect URI, access tokens that expire by
 * `Clock`, and refresh tokens that are spent on use when rotation is on — so a double refresh fails
 * here with `invalid_grant` exactly as it does at a real provider.
 */
export const make = (providers: ReadonlyArray<ScriptedProviderOptions>) =>
  Effect.sync(() => {
    const configs = new Map(providers.map((p) => [p.id as string, p]))
    const pending = new Map<string, Pending>()
    const codes = new Map<string, Code>()
    const grants: Array<Grant> = []
    const accessTokens = new Map<string, { readonly grant: number; readonly expiresAt: number | null }>()
    const refreshTokens = new Map<string, { readonly grant: number; spent: boolean }>()
    const outages = new Set<string>()
    const delays = new Map<string, number>()
    const stats = new Map<string, { refreshes: number; revocations: number }>()
    const statsOf = (provider: string) => {
      const found = stats.get(provider) ?? { refreshes: 0, revocations: 0 }
      stats.set(provider, found)
      return found
    }

    const configOf = (provider: ProviderId) =>
      Effect.suspend<ScriptedProviderOptions, UnknownProvider | ProviderUnavailable, never>(() => {
        const config = configs.get(provider)
        if (config === undefined) return Effect.fail(new UnknownProvider({ provider }))
        if (outages.has(provider)) {
          return Effect.fail(new ProviderUnavailable({ provider, message: "the provider is down" }))
        }
        return Effect.succeed(config)
      })

    const issueTokens = (config: ScriptedProviderOptions, grant: number, now: number): TokenSet => {
      const seconds = config.accessTokenSeconds === undefined ? 3600 : config.accessTokenSeconds
      const accessToken = `at_${random(24)}`
      const refreshToken = `rt_${random(24)}`
      const expiresAt = seconds === null ? null : now + seconds * 1000
      accessTokens.set(accessToken, { grant, expiresAt })
      refreshTokens.set(refreshToken, { grant, spent: false })
      return {
        accessToken: Redacted.make(accessToken),
        refreshToken: Redacted.make(refreshToken),
        idToken: config.type === "oidc" ? Redacted.make(`idt_${random(24)}`) : null,
        expiresAt: expiresAt === null ? null : new Date(expiresAt),
        tokenType: "bearer",
        scope: config.type === "oidc" ? "openid profile email" : "read:user",
        sessionState: null
      }
    }

    const revokeGrant = (grant: number) => {
      grants[grant]!.revoked = true
      for (const [token, entry] of accessTokens) if (entry.grant === grant) accessTokens.delete(token)
      for (const [token, entry] of refreshTokens) if (entry.grant === grant) refreshTokens.delete(token)
    }

    const pendingOf = (authorizationUrl: string) => {
      const state = new URL(authorizationUrl).searchParams.get("state") ?? ""
      const request = pending.get(state)
      if (request === undefined) throw new Error("the scripted provider never issued this authorization URL")
      pending.delete(state)
      return { state, request }
    }

    const client = ProviderClient.of({
      authorize: (provider, options) =>
        Effect.gen(function*() {
          const config = yield* configOf(provider)
          const state = random(32)
          const codeVerifier = random(32)
          const nonce = config.type === "oidc" ? random(32) : null
          const challenge = yield* s256(codeVerifier)
          pending.set(state, { provider, redirectUri: options.redirectUri, challenge, nonce })
          const url = new URL(`https://${provider}.idp.test/authorize`)
          const query: Record<string, string> = {
            ...options.params,
            response_type: "code",
            client_id: `client-${provider}`,
            redirect_uri: options.redirectUri,
            scope: config.type === "oidc" ? "openid profile email" : "read:user",
            state,
            code_challenge: challenge,
            code_challenge_method: "S256",
            ...(nonce === null ? {} : { nonce })
          }
          for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value)
          return { url: url.href, checks: { state, codeVerifier, nonce } }
        }),

      callback: (provider, input) =>
        Effect.gen(function*() {
          const config = yield* configOf(provider)
          const state = input.params["state"]
          if (state === undefined || !equalSecrets(state, input.checks.state)) {
            return yield* new ProviderCheckFailed({ provider, check: "state" })
          }
          const error = input.params["error"]
          if (error !== undefined) return yield* new ProviderDenied({ provider, error })
          const code = codes.get(input.params["code"] ?? "")
          if (code === undefined || code.provider !== provider || code.redirectUri !== input.redirectUri) {
            return yield* new ProviderCheckFailed({ provider, check: "code" })
          }
          if (code.used) {
            // RFC 6749 §4.1.2: a replayed code revokes what it was exchanged for.
            if (code.grant !== null) revokeGrant(code.grant)
            return yield* new ProviderCheckFailed({ provider, check: "code" })
          }
          code.used = true
          if (!equalSecrets(yield* s256(input.checks.codeVerifier), code.challenge)) {
            return yield* new ProviderCheckFailed({ provider, check: "pkce" })
          }
          if (config.type === "oidc" && (input.checks.nonce === null || code.nonce !== input.checks.nonce)) {
            return yield* new ProviderCheckFailed({ provider, check: "nonce" })
          }
          grants.push({ provider, profile: code.profile, revoked: false })
          code.grant = grants.length - 1
          return { tokens: issueTokens(config, code.grant, yield* Clock.currentTimeMillis), profile: code.profile }
        }),

      profile: (provider, tokens) =>
        Effect.gen(function*() {
          yield* configOf(provider)
          const now = yield* Clock.currentTimeMillis
          const entry = tokens.accessToken === null ? undefined : accessTokens.get(Redacted.value(tokens.accessToken))
          if (entry === undefined || (entry.expiresAt !== null && entry.expiresAt <= now)) {
            return yield* new ProviderResponseInvalid({ provider, message: "the userinfo endpoint refused the token" })
          }
          return grants[entry.grant]!.profile
        }),

      refresh: (provider, refreshToken) =>
        Effect.gen(function*() {
          const config = yield* configOf(provider)
          const delay = delays.get(provider) ?? 0
          if (delay > 0) yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, delay)))
          const entry = refreshTokens.get(Redacted.value(refreshToken))
          if (entry === undefined || entry.spent || grants[entry.grant]!.revoked) {
            return yield* new InvalidGrant({ provider })
          }
          statsOf(provider).refreshes++
          const rotate = config.rotateRefreshTokens ?? true
          const tokens = issueTokens(config, entry.grant, yield* Clock.currentTimeMillis)
          if (rotate) {
            entry.spent = true
            return tokens
          }
          refreshTokens.delete(Redacted.value(tokens.refreshToken!))
          return { ...tokens, refreshToken: null }
        }),

      revoke: (provider, token) =>
        Effect.gen(function*() {
          yield* configOf(provider)
          const value = Redacted.value(token)
          const entry = accessTokens.get(value) ?? refreshTokens.get(value)
          if (entry !== undefined) {
            revokeGrant(entry.grant)
            statsOf(provider).revocations++
          }
        })
    })

    const script = ScriptedProvider.of({
      approve: (authorizationUrl, profile) =>
        Effect.sync(() => {
          const { state, request } = pendingOf(authorizationUrl)
          const code = `code_${random(24)}`
          codes.set(code, { ...request, profile, state, used: false, grant: null })
          return { code, state }
        }),
      deny: (authorizationUrl, error = "access_denied") =>
        Effect.sync(() => ({ error, state: pendingOf(authorizationUrl).state })),
      setOutage: (provider, down) => Effect.sync(() => void (down ? outages.add(provider) : outages.delete(provider))),
      setRefreshDelay: (provider, millis) => Effect.sync(() => void delays.set(provider, millis)),
      revokeAllGrants: (provider) =>
        Effect.sync(() => grants.forEach((grant, index) => grant.provider === provider && revokeGrant(index))),
      stats: (provider) => Effect.sync(() => ({ ...statsOf(provider) })),
      isAccessTokenValid: (token) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const entry = accessTokens.get(token)
          return entry !== undefined && (entry.expiresAt === null || entry.expiresAt > now)
        })
    })
    return { client, script }
  })

export const layer = (providers: ReadonlyArray<ScriptedProviderOptions>): Layer.Layer<ProviderClient | ScriptedProvider> =>
  Layer.effectContext(
    Effect.map(make(providers), ({ client, script }) =>
      Context.make(ProviderClient, client).pipe(Context.add(ScriptedProvider, script)))
  )
