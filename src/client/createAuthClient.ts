import type {
  AuthClient,
  AuthClientOptions,
  ClientProvider,
  Session,
  SessionState,
  SignInOptions,
  SignInResult,
  SignOutOptions
} from "./AuthClient.ts"
import { listenToTabs, postToTabs } from "./tabSync.ts"

const loading: SessionState = { status: "loading", data: null }

/** A session, or null for "none" (`null`, and the `{}` that next-auth v4 servers send). */
const sessionInBody = (body: unknown): Session | null =>
  body !== null && typeof body == "object" && Object.keys(body).length > 0 ? (body as Session) : null

const stateOf = (session: Session | null): SessionState =>
  session === null ? { status: "unauthenticated", data: null } : { status: "authenticated", data: session }

/** The `url` of an `X-Auth-Return-Redirect` answer. */
const urlOf = (body: unknown): string | undefined => {
  const url = (body as { readonly url?: unknown } | null)?.url
  return typeof url == "string" ? url : undefined
}

/** Goes where a form post would have gone. A change of hash alone loads nothing, so reload then (as Auth.js). */
const navigate = (to: string): undefined => {
  location.href = to
  if (to.includes("#")) location.reload()
  return undefined
}

/** A form post that asks for `{url}` instead of a redirect. */
const formPost = (fields: Record<string, string>): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Auth-Return-Redirect": "1" },
  body: new URLSearchParams(fields)
})

/**
 * A client for the REST API of authfx (or Auth.js) and a session store over it.
 *
 * How the store stays fresh without a request storm:
 * - every session this tab learns — by reading it, signing in or out, or updating — goes to the other tabs
 *   with the time it was true (`knownAt`); a tab takes a session only if it is newer than what it has, so
 *   one request serves every tab, and a late answer never overwrites a newer one;
 * - what every tab sees at once — the browser coming back online, the keep-alive clock — is handled by one
 *   tab, the leader: the holder of a Web Lock, handed on when it closes (or goes into the back/forward
 *   cache); the others hear its answer. Without Web Locks every tab leads, and keep-alive still mostly
 *   reads once per interval, as each tab restarts its clock when it hears a session;
 * - focus belongs to one tab, which reads for itself; visibilitychange and focus together read once;
 * - nothing is fetched while the browser is offline.
 */
export const createAuthClient = (options: AuthClientOptions = {}): AuthClient => {
  const url = (options.origin ?? "") + (options.basePath ?? "/auth")
  const name = `authfx:${url}`
  const every = (options.refetchInterval ?? 0) * 1000
  const initial = options.session
  const listeners = new Set<(state: SessionState) => void>()
  let state = initial === undefined ? loading : stateOf(initial)
  let shown = initial === undefined ? "" : JSON.stringify(initial)
  // A rendered session was true when the page was requested, which is no later than its navigation began.
  let knownAt = initial === undefined ? 0 : performance.timeOrigin
  let heardAt = 0
  let queue: Promise<unknown> = Promise.resolve()
  let stop: (() => void) | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let started = false
  let lead = false
  let resign: (() => void) | undefined

  const call = async (path: string, init?: RequestInit) => {
    const response = await fetch(url + path, { credentials: "include", ...init })
    return { ok: response.ok, status: response.status, body: (await response.json()) as unknown }
  }

  const set = (session: Session | null, at: number, tell: boolean) => {
    if (at < knownAt) return
    knownAt = at
    heardAt = Date.now()
    if (tell) postToTabs(name, { s: session, t: at })
    arm()
    const json = JSON.stringify(session)
    if (json === shown) return
    shown = json
    state = stateOf(session)
    for (const listener of listeners) listener(state)
  }

  const getSession = async () => {
    const at = Date.now()
    const answer = await call("/session")
    if (!answer.ok) throw new Error(`authfx: session ${answer.status}`)
    const session = sessionInBody(answer.body)
    set(session, at, true)
    return session
  }

  const getCsrfToken = async () => ((await call("/csrf")).body as { readonly csrfToken: string }).csrfToken

  const getProviders = async () => {
    const answer = await call("/providers")
    return answer.ok ? (answer.body as Record<string, ClientProvider>) : null
  }

  /** Reads the session unless one was heard since `since`; one read at a time. */
  const refresh = (since: number) => {
    queue = queue.then(async () => {
      if (heardAt < since && navigator.onLine) await getSession()
    }).catch(() => {})
  }

  const arm = () => {
    clearTimeout(timer)
    if (every > 0 && lead && stop) {
      timer = setTimeout(() => {
        arm()
        if (state.data) refresh(Date.now() - every / 2)
      }, every)
    }
  }

  /** Asks to lead (see above); `resign` steps down, or withdraws the request. */
  const campaign = () => {
    const locks: LockManager | undefined = navigator.locks
    if (!locks) lead = true
    if (!locks || resign) return
    const controller = new AbortController()
    let release = () => {}
    locks.request(`${name}!`, { signal: controller.signal }, () =>
      new Promise<void>((resolve) => {
        lead = true
        release = resolve
        arm()
      })).catch(() => {})
    resign = () => {
      controller.abort()
      release()
      lead = false
      resign = undefined
    }
  }

  const onFocus = () => {
    if (document.visibilityState == "visible") refresh(Date.now())
  }
  const onOnline = () => {
    if (lead) refresh(Date.now())
  }
  const onHide = () => resign?.()

  const start = () => {
    const unlisten = listenToTabs(name, (message) => {
      if (message.t > knownAt) set(message.s, message.t, false)
    })
    const events: Array<readonly [EventTarget, string, () => void]> = [
      [window, "online", onOnline],
      [window, "pagehide", onHide],
      [window, "pageshow", campaign]
    ]
    if (options.refetchOnWindowFocus !== false) events.push([document, "visibilitychange", onFocus], [window, "focus", onFocus])
    for (const [target, type, listener] of events) target.addEventListener(type, listener)
    stop = () => {
      unlisten()
      for (const [target, type, listener] of events) target.removeEventListener(type, listener)
      resign?.()
      clearTimeout(timer)
      stop = undefined
    }
    campaign()
    arm()
    if (started) return
    started = true
    // A rendered session is news to tabs opened before it (a sign-in that ended on this page's load).
    if (initial !== undefined) postToTabs(name, { s: state.data, t: knownAt })
    else if (state === loading) {
      getSession().catch(() => {
        if (state === loading) set(null, 0, false)
      })
    }
  }

  const signIn = async (provider?: string, signInOptions: SignInOptions = {}, authorizationParams?: Record<string, string>) => {
    const { callbackUrl = location.href, redirect = true, ...rest } = signInOptions
    const providers = await getProviders()
    if (!providers) return navigate(`${url}/error`)
    const type = provider === undefined ? undefined : providers[provider]?.type
    if (!type) return navigate(`${url}/signin?${new URLSearchParams({ callbackUrl })}`)
    const fields: Record<string, string> = {}
    for (const [key, value] of Object.entries(rest)) if (value !== undefined) fields[key] = String(value)
    const query = authorizationParams ? `?${new URLSearchParams(authorizationParams)}` : ""
    const answer = await call(
      `/${type == "credentials" ? "callback" : "signin"}/${provider}${query}`,
      formPost({ ...fields, csrfToken: await getCsrfToken(), callbackUrl })
    )
    const to = urlOf(answer.body)
    if (redirect) return navigate(to ?? callbackUrl)
    const params = to ? new URL(to, location.href).searchParams : new URLSearchParams("error=Configuration")
    const error = params.get("error") ?? undefined
    // Only a credentials sign-in has a session already; the others finish at the provider or by mail.
    if (answer.ok && !error && type == "credentials") await getSession()
    const result: SignInResult = { ok: answer.ok, status: answer.status, error, code: params.get("code") ?? undefined, url: error ? null : to ?? null }
    return result
  }

  const signOut = async (signOutOptions: SignOutOptions = {}) => {
    const { callbackUrl = location.href, redirect = true } = signOutOptions
    const answer = await call("/signout", formPost({ csrfToken: await getCsrfToken(), callbackUrl }))
    const to = urlOf(answer.body) ?? callbackUrl
    // Refused (`?error=`, e.g. MissingCSRF): ask rather than assume.
    if (answer.ok && !new URL(to, location.href).searchParams.has("error")) set(null, Date.now(), true)
    else await getSession()
    return redirect ? navigate(to) : { url: to }
  }

  const update = async (data?: unknown) => {
    if (data === undefined) return getSession()
    const at = Date.now()
    const answer = await call("/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ csrfToken: await getCsrfToken(), data })
    })
    if (!answer.ok) return null
    const session = sessionInBody(answer.body)
    set(session, at, true)
    return session
  }

  return {
    url,
    getSession,
    getCsrfToken,
    getProviders,
    signIn: signIn as AuthClient["signIn"],
    signOut: signOut as AuthClient["signOut"],
    update,
    getState: () => state,
    subscribe: (listener) => {
      listeners.add(listener)
      if (!stop) start()
      return () => {
        listeners.delete(listener)
        if (listeners.size == 0) stop?.()
      }
    }
  }
}
