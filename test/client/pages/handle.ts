/**
 * What the client test page (clientPage.ts, run in Chromium) offers the tests (run in Node) on
 * `globalThis.__authfx`. Plain types only: the tests are type-checked without the DOM.
 */

export interface PageSession {
  readonly user?: { readonly name?: string | null; readonly email?: string | null; readonly image?: string | null }
  readonly expires: string
}

export interface PageState {
  readonly status: "loading" | "authenticated" | "unauthenticated"
  readonly data: PageSession | null
}

export type PageOptions = Readonly<Record<string, string | boolean>>

export interface PageHandle {
  /** Random per page load: unchanged means the page was not reloaded. */
  readonly pageId: string
  /** The state at load, then every state the store published, in order. */
  readonly states: ReadonlyArray<PageState>
  readonly state: () => PageState
  /** The client's URL prefix (origin + base path). */
  readonly url: string
  readonly getSession: () => Promise<PageSession | null>
  readonly getCsrfToken: () => Promise<string>
  readonly getProviders: () => Promise<unknown>
  readonly signIn: (provider: string | undefined, options: PageOptions) => Promise<unknown>
  readonly signOut: (options: PageOptions) => Promise<unknown>
  readonly update: (data?: unknown) => Promise<PageSession | null>
  /** The module-level functions of `authfx/client` (the default client, `/auth` on this origin). */
  readonly defaults: { readonly url: string; readonly getCsrfToken: () => Promise<string> }
}

export interface PageGlobal {
  readonly __authfx: PageHandle
}

/** What the React test page (reactPage.tsx) offers on `globalThis.__react`. */
export interface ReactHandle {
  /** Every status a `useSession` consumer rendered, consecutive repeats dropped. */
  readonly statuses: ReadonlyArray<string>
  /** How often `onUnauthenticated` was called. */
  readonly turnedAway: number
  readonly signIn: (options: PageOptions) => Promise<unknown>
  readonly signOut: () => Promise<unknown>
  /** `useSession().update`. */
  readonly update: (data: unknown) => Promise<unknown>
}

export interface ReactGlobal {
  readonly __react: ReactHandle
}

/**
 * What the next-auth test pages (nextAuthV5Page.tsx, nextAuthV4Page.tsx: `next-auth/react` of next-auth 5 or
 * 4, unpatched) offer on `globalThis.__nextauth`. Each call is the package's own function, its answer passed on
 * as it came (a rejection too).
 */
export interface NextAuthHandle {
  /** Random per page load: unchanged means the page was not reloaded. */
  readonly pageId: string
  /** Every status `useSession()` rendered, consecutive repeats dropped. */
  readonly statuses: ReadonlyArray<string>
  /** What `useSession()` rendered last. */
  readonly state: () => { readonly status: string; readonly data: PageSession | null }
  readonly getSession: () => Promise<unknown>
  readonly getCsrfToken: () => Promise<unknown>
  readonly getProviders: () => Promise<unknown>
  readonly signIn: (provider: string, options: PageOptions) => Promise<unknown>
  readonly signOut: (options: PageOptions) => Promise<unknown>
  /** `useSession().update`. */
  readonly update: (data: unknown) => Promise<unknown>
}

export interface NextAuthGlobal {
  readonly __nextauth: NextAuthHandle
}
