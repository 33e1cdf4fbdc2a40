/**
 * `authfx/client/react`: the session store of `authfx/client` as React state. React (18 or later) is a peer
 * dependency of this entry only; `authfx/client` itself never imports it.
 */
import { createContext, createElement, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from "react"
import type { AuthClient, AuthClientOptions, Session } from "./AuthClient.ts"
import { createAuthClient } from "./createAuthClient.ts"

export type { AuthClient, AuthClientOptions, Session, SessionState, SessionStatus } from "./AuthClient.ts"

const ClientContext = createContext<AuthClient | null>(null)

export interface SessionProviderProps extends AuthClientOptions {
  readonly children?: ReactNode
  /** A client made with `createAuthClient` (then the options above are its own, not these). */
  readonly client?: AuthClient | undefined
}

/**
 * Provides the session to `useSession` below it. Without `client`, makes one from the props (`basePath`,
 * `origin`, `session` — e.g. the one the page was rendered with —, `refetchInterval`,
 * `refetchOnWindowFocus`), once: a provider keeps its client for its whole life.
 */
export const SessionProvider = ({ children, client, ...options }: SessionProviderProps) => {
  const [own] = useState(() => client ?? createAuthClient(options))
  return createElement(ClientContext.Provider, { value: client ?? own }, children)
}

/** The provider's client, for `signIn`, `signOut` and the rest against the same base path and store. */
export const useAuthClient = (): AuthClient => {
  const client = useContext(ClientContext)
  if (client === null) throw new Error("authfx: useSession and useAuthClient need a <SessionProvider> above them")
  return client
}

export interface UseSessionOptions {
  /** The page needs a session: while there is none, status stays "loading" and the user is sent to sign in. */
  readonly required?: boolean | undefined
  /** With `required`: called instead of going to the sign-in page. */
  readonly onUnauthenticated?: (() => void) | undefined
}

export type UpdateSession = (data?: unknown) => Promise<Session | null>

/** As next-auth's `useSession`: with `required`, "unauthenticated" is never seen (it shows as "loading"). */
export type SessionContextValue<Required extends boolean = false> =
  | { readonly data: Session; readonly status: "authenticated"; readonly update: UpdateSession }
  | {
    readonly data: null
    readonly status: Required extends true ? "loading" : "loading" | "unauthenticated"
    readonly update: UpdateSession
  }

export function useSession(options: UseSessionOptions & { readonly required: true }): SessionContextValue<true>
export function useSession(options?: UseSessionOptions): SessionContextValue
export function useSession(options: UseSessionOptions = {}): SessionContextValue<boolean> {
  const client = useAuthClient()
  const state = useSyncExternalStore(client.subscribe, client.getState, client.getState)
  const { required, onUnauthenticated } = options
  const turnedAway = required === true && state.status === "unauthenticated"
  useEffect(() => {
    if (!turnedAway) return
    if (onUnauthenticated) onUnauthenticated()
    else {
      location.href = `${client.url}/signin?${new URLSearchParams({ error: "SessionRequired", callbackUrl: location.href })}`
    }
  }, [turnedAway, onUnauthenticated, client])
  return turnedAway
    ? { data: null, status: "loading", update: client.update }
    : state.status === "authenticated"
    ? { data: state.data, status: "authenticated", update: client.update }
    : { data: null, status: state.status, update: client.update }
}
