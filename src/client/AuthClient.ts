/**
 * The browser client's types: the session as `GET /session` shows it, the store's state, and the shape of
 * the client. Nothing here depends on a framework; `react.ts` builds on it.
 */

/** A session as the server shows it (Auth.js's default shape; a session callback may add to it). */
export interface Session {
  readonly user?: {
    readonly name?: string | null
    readonly email?: string | null
    readonly image?: string | null
    readonly [key: string]: unknown
  }
  /** ISO-8601: when the session ends unless it is used (and so renewed) before. */
  readonly expires: string
  readonly [key: string]: unknown
}

export type SessionStatus = "loading" | "authenticated" | "unauthenticated"

/** What the store holds. A new object on every change, so it can be compared by identity. */
export type SessionState =
  | { readonly status: "loading"; readonly data: null }
  | { readonly status: "authenticated"; readonly data: Session }
  | { readonly status: "unauthenticated"; readonly data: null }

/** An entry of `GET /providers`. */
export interface ClientProvider {
  readonly id: string
  readonly name: string
  readonly type: "oauth" | "oidc" | "email" | "credentials" | "webauthn"
  readonly signinUrl: string
  readonly callbackUrl: string
}

export interface SignInOptions {
  /** Where to go after signing in; the current page by default. */
  readonly callbackUrl?: string | undefined
  /** false: stay on the page and get a `SignInResult` (true: follow the server's answer, as a form would). */
  readonly redirect?: boolean | undefined
  /** The address, for an e-mail provider. */
  readonly email?: string | undefined
  /** Anything else is posted as is: the credentials provider's fields. */
  readonly [field: string]: string | boolean | undefined
}

/** What `signIn(…, { redirect: false })` tells, as Auth.js's client does. */
export interface SignInResult {
  /** The HTTP answer was 2xx. A refused sign-in is still `ok`: look at `error`. */
  readonly ok: boolean
  readonly status: number
  /** The `error` parameter of where the server would have sent the browser, e.g. "CredentialsSignin". */
  readonly error: string | undefined
  /** The `code` parameter (CredentialsSignin's code). */
  readonly code: string | undefined
  /** Where the server would have sent the browser; null when there is an error. */
  readonly url: string | null
}

export interface SignOutOptions {
  /** Where to go after signing out; the current page by default. */
  readonly callbackUrl?: string | undefined
  /** false: stay on the page and get `{ url }`. */
  readonly redirect?: boolean | undefined
}

export interface AuthClientOptions {
  /** Where the API is mounted. Default "/auth" (next-auth's is "/api/auth"). */
  readonly basePath?: string | undefined
  /** The API's origin when it is not the page's (the server must then allow credentialed CORS). */
  readonly origin?: string | undefined
  /** The session the page was rendered with (null: signed out): no request at start. */
  readonly session?: Session | null | undefined
  /**
   * Keep-alive, in seconds (0: off). While signed in, the session is read this often, which renews it on the
   * server; the tabs share the work: a tab whose session was refreshed by another tab does not ask again.
   */
  readonly refetchInterval?: number | undefined
  /** Read the session again when the page becomes visible or the window gains focus. Default true. */
  readonly refetchOnWindowFocus?: boolean | undefined
}

export interface AuthClient {
  /** `origin + basePath`: the API's URL prefix. */
  readonly url: string
  /** Reads the session (`GET /session`), and shares what it read with the store and the other tabs. */
  readonly getSession: () => Promise<Session | null>
  readonly getCsrfToken: () => Promise<string>
  /** The configured providers, or null when the server would not say. */
  readonly getProviders: () => Promise<Record<string, ClientProvider> | null>
  readonly signIn: {
    (
      provider: string | undefined,
      options: SignInOptions & { readonly redirect: false },
      authorizationParams?: Record<string, string>
    ): Promise<SignInResult | undefined>
    (provider?: string, options?: SignInOptions, authorizationParams?: Record<string, string>): Promise<undefined>
  }
  readonly signOut: {
    (options: SignOutOptions & { readonly redirect: false }): Promise<{ readonly url: string }>
    (options?: SignOutOptions): Promise<undefined>
  }
  /**
   * `POST /session {csrfToken, data}`: the jwt/session callbacks see `data` with trigger "update". Without
   * `data`, reads the session again. Resolves with the new session (null if there is none or it failed).
   */
  readonly update: (data?: unknown) => Promise<Session | null>
  /** The store's current state. */
  readonly getState: () => SessionState
  /**
   * Calls `listener` on every change of state. The first subscriber starts the store (the first read, the
   * focus/online/keep-alive triggers, listening to other tabs); the last one to leave stops it.
   */
  readonly subscribe: (listener: (state: SessionState) => void) => () => void
}
