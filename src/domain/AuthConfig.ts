import { Context, Effect, Layer, Schema } from "effect"
import { type Account, ProviderId } from "./Account.ts"
import type { Profile } from "./Profile.ts"
import { isValidMaxPendingLinks } from "./pendingLinks.ts"
import type { Awaitable, ProviderConfig } from "./Provider.ts"
import type { JwtClaims, Session, SessionView } from "./Session.ts"
import type { SensitiveAction } from "./stepUp.ts"
import type { User, UserId } from "./User.ts"

export type SessionStrategy = "jwt" | "database"

export type JwtTrigger = "signIn" | "signUp" | "update"

/** Callbacks as Auth.js has them; each may return a value, a promise or an Effect. */
export interface Callbacks {
  /** false refuses (AccessDenied); a string redirects there instead (through `redirect`). */
  readonly signIn?: (params: {
    readonly user: User | NewSignInUser
    readonly account: Account | null
    readonly profile: Profile | null
    readonly email?: { readonly verificationRequest: boolean }
    readonly credentials?: Readonly<Record<string, string>>
  }) => Awaitable<boolean | string>
  readonly redirect?: (params: { readonly url: string; readonly baseUrl: string }) => Awaitable<string>
  /** JWT strategy: shapes the token's claims; null ends the session. */
  readonly jwt?: (params: {
    readonly token: JwtClaims
    readonly user?: User
    readonly account?: Account | null
    readonly profile?: Profile | null
    readonly trigger?: JwtTrigger
    readonly isNewUser?: boolean
    readonly session?: unknown
  }) => Awaitable<JwtClaims | null>
  /** Shapes what `GET /session` shows. */
  readonly session?: (params: {
    readonly session: SessionView
    readonly token?: JwtClaims
    readonly user?: User
    readonly trigger?: "update"
    readonly newSession?: unknown
  }) => Awaitable<SessionView>
  /**
   * Whether this sign-in must pass a second factor although the user has not turned two-factor on (authfx,
   * not Auth.js). true: a user with two-factor on is asked for a code as always; one without it is sent to
   * enrol (the `/two-factor` page shows the secret and takes a first code) before a session is made. Asked
   * after the first factor, for every sign-in; a failing callback counts as true (fail closed).
   */
  readonly requireTwoFactor?: (params: { readonly user: User; readonly provider: string }) => Awaitable<boolean>
}

/** A user who does not exist yet, as the signIn callback sees them. */
export interface NewSignInUser {
  readonly id: null
  readonly name: string | null
  readonly email: string | null
  readonly image: string | null
}

/** Events are told, not asked: they cannot change the outcome, and their failures are only logged. */
export interface Events {
  readonly signIn?: (params: {
    readonly user: User
    readonly account: Account | null
    readonly profile: Profile | null
    readonly isNewUser: boolean
  }) => Awaitable<void>
  readonly signOut?: (params: { readonly session: Session | null; readonly token: JwtClaims | null }) => Awaitable<void>
  readonly createUser?: (params: { readonly user: User }) => Awaitable<void>
  readonly updateUser?: (params: { readonly user: User }) => Awaitable<void>
  readonly linkAccount?: (params: {
    readonly user: User
    readonly account: Account
    readonly profile: Profile | null
  }) => Awaitable<void>
  readonly unlinkAccount?: (params: { readonly user: User; readonly account: Account }) => Awaitable<void>
  readonly session?: (params: { readonly session: SessionView; readonly token: JwtClaims | null }) => Awaitable<void>
  /**
   * Beyond Auth.js, for audit logs: the user ended sessions from their session list (`POST /sessions/revoke`):
   * one, all but the current one, or all; `count` is how many were listed and ended.
   */
  readonly sessionRevoked?: (params: {
    readonly userId: UserId
    readonly scope: "one" | "others" | "all"
    readonly count: number
  }) => Awaitable<void>
  /** Beyond Auth.js: a sensitive action was refused because the session's sign-in is not recent (stepUp.ts). */
  readonly stepUpRefused?: (params: { readonly userId: UserId; readonly action: SensitiveAction }) => Awaitable<void>
}

/** The application's own pages, replacing the built-in ones. */
export interface Pages {
  readonly signIn?: string
  readonly signOut?: string
  readonly error?: string
  readonly verifyRequest?: string
  readonly newUser?: string
}

export interface AuthOptions {
  readonly providers: ReadonlyArray<ProviderConfig>
  readonly session?: {
    readonly strategy?: SessionStrategy
    /** Seconds a session lives without use. Default 30 days. */
    readonly maxAge?: number
    /** Seconds between renewals of a session on use. Default 24 hours. */
    readonly updateAge?: number
    /**
     * Beyond Auth.js: seconds since the session's sign-in within which sensitive actions (unlinking, ending all
     * sessions, passkeys, turning two-factor off) are allowed; older sessions must sign in again. Default 10 minutes.
     */
    readonly stepUpMaxAge?: number
  }
  readonly callbacks?: Callbacks
  readonly events?: Events
  readonly pages?: Pages
  readonly trust?: {
    /** Trust the Host / X-Forwarded-* headers to tell the public origin. */
    readonly host?: boolean
    /** Origins besides our own that `callbackUrl` may lead to. */
    readonly redirectOrigins?: ReadonlyArray<string>
  }
  /** How long the refresh of an OAuth access token may hold its claim, in seconds. Default 30. */
  readonly refreshClaimSeconds?: number
  /** Refresh access tokens this many seconds before they expire. Default 60. */
  readonly accessTokenSkewSeconds?: number
  readonly twoFactor?: TwoFactorOptions
}

/** Two-factor sign-in (TOTP and backup codes; see the README's "Two-factor sign-in"). */
export interface TwoFactorOptions {
  /** The issuer an authenticator app shows beside the account. Default: the host of the request. */
  readonly issuer?: string
  /** Days "trust this device" skips the second factor on that browser; 0 takes the option away. Default 30. */
  readonly trustDeviceDays?: number
}

export interface ResolvedAuthConfig {
  readonly providers: ReadonlyArray<ProviderConfig>
  readonly session: {
    readonly strategy: SessionStrategy
    readonly maxAge: number
    readonly updateAge: number
    readonly stepUpMaxAge: number
  }
  readonly callbacks: Callbacks
  readonly events: Events
  readonly pages: Pages
  readonly trust: { readonly host: boolean; readonly redirectOrigins: ReadonlyArray<string> }
  readonly refreshClaimSeconds: number
  readonly accessTokenSkewSeconds: number
  readonly twoFactor: { readonly issuer: string | null; readonly trustDeviceDays: number }
}

export const defaultMaxAge = 30 * 24 * 60 * 60
export const defaultUpdateAge = 24 * 60 * 60
export const defaultStepUpMaxAge = 10 * 60

/** The configuration cannot work; the message says what to change. */
export class ConfigurationInvalid extends Schema.TaggedError<ConfigurationInvalid>()("ConfigurationInvalid", {
  message: Schema.String
}) {}

/** Applies defaults and refuses configurations that cannot work, at start-up rather than at first use. */
export const resolveAuthConfig = Effect.fnUntraced(function*(options: AuthOptions) {
  const session = {
    strategy: options.session?.strategy ?? "jwt",
    maxAge: options.session?.maxAge ?? defaultMaxAge,
    updateAge: options.session?.updateAge ?? defaultUpdateAge,
    stepUpMaxAge: options.session?.stepUpMaxAge ?? defaultStepUpMaxAge
  }
  if (!(session.maxAge > 0)) {
    return yield* new ConfigurationInvalid({ message: "session.maxAge must be a positive number of seconds" })
  }
  if (!(session.updateAge >= 0) || session.updateAge > session.maxAge) {
    return yield* new ConfigurationInvalid({ message: "session.updateAge must be between 0 and session.maxAge" })
  }
  if (!(session.stepUpMaxAge >= 0) || !Number.isFinite(session.stepUpMaxAge)) {
    return yield* new ConfigurationInvalid({ message: "session.stepUpMaxAge must be a number of seconds, 0 or more" })
  }
  const trustDeviceDays = options.twoFactor?.trustDeviceDays ?? 30
  if (!(Number.isSafeInteger(trustDeviceDays) && trustDeviceDays >= 0 && trustDeviceDays <= 400)) {
    return yield* new ConfigurationInvalid({ message: "twoFactor.trustDeviceDays must be a whole number from 0 to 400" })
  }
  const seen = new Set<string>()
  for (const provider of options.providers) {
    if (!Schema.is(ProviderId)(provider.id)) {
      return yield* new ConfigurationInvalid({
        message: `provider id "${provider.id}" must be lower-case letters, digits, "-" or "_" (it is a URL path segment)`
      })
    }
    if (seen.has(provider.id)) {
      return yield* new ConfigurationInvalid({ message: `provider id "${provider.id}" is configured twice` })
    }
    seen.add(provider.id)
    if (provider.type === "email" && provider.maxPendingLinks !== undefined && !isValidMaxPendingLinks(provider.maxPendingLinks)) {
      return yield* new ConfigurationInvalid({
        message: `provider "${provider.id}": maxPendingLinks must be a whole number, at least 1`
      })
    }
  }
  const config: ResolvedAuthConfig = {
    providers: options.providers,
    session,
    callbacks: options.callbacks ?? {},
    events: options.events ?? {},
    pages: options.pages ?? {},
    trust: { host: options.trust?.host ?? false, redirectOrigins: options.trust?.redirectOrigins ?? [] },
    refreshClaimSeconds: options.refreshClaimSeconds ?? 30,
    accessTokenSkewSeconds: options.accessTokenSkewSeconds ?? 60,
    twoFactor: { issuer: options.twoFactor?.issuer ?? null, trustDeviceDays }
  }
  return config
})

export class AuthConfig extends Context.Service<AuthConfig, ResolvedAuthConfig>()("authfx/AuthConfig") {
  static readonly layer = (options: AuthOptions): Layer.Layer<AuthConfig, ConfigurationInvalid> =>
    Layer.effect(AuthConfig, resolveAuthConfig(options))
}

export const findProvider = (config: ResolvedAuthConfig, id: ProviderId | string): ProviderConfig | undefined =>
  config.providers.find((provider) => provider.id === id)
