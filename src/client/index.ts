/**
 * `authfx/client`: the framework-free browser client. No dependencies; React users add `authfx/client/react`.
 *
 * The functions below use a client of `/auth` on this origin; `createAuthClient({ basePath, origin, … })`
 * makes one for another mount point, with its own session store.
 */
import type { AuthClient, SignInOptions, SignOutOptions } from "./AuthClient.ts"
import { createAuthClient } from "./createAuthClient.ts"

export type {
  AuthClient,
  AuthClientOptions,
  ClientProvider,
  Session,
  SessionState,
  SessionStatus,
  SignInOptions,
  SignInResult,
  SignOutOptions
} from "./AuthClient.ts"
export { createAuthClient }

let shared: AuthClient | undefined

/** The client the functions of this module use (`/auth` on this origin), made on first use. */
export const defaultClient = (): AuthClient => (shared ??= createAuthClient())

export const getSession: AuthClient["getSession"] = () => defaultClient().getSession()
export const getCsrfToken: AuthClient["getCsrfToken"] = () => defaultClient().getCsrfToken()
export const getProviders: AuthClient["getProviders"] = () => defaultClient().getProviders()
export const signIn = ((provider?: string, options?: SignInOptions, authorizationParams?: Record<string, string>) =>
  defaultClient().signIn(provider, options, authorizationParams)) as AuthClient["signIn"]
export const signOut = ((options?: SignOutOptions) => defaultClient().signOut(options)) as AuthClient["signOut"]
export const update: AuthClient["update"] = (data) => defaultClient().update(data)
