/**
 * The page the next-auth tests drive, for either major version of `next-auth/react` (the entries
 * nextAuthV5Page.tsx and nextAuthV4Page.tsx pass their package in): `SessionProvider` with `basePath` from the
 * query (`base`), a `useSession()` consumer that records every status, and the package's functions handed to
 * the test on `globalThis.__nextauth`. `focus=0` turns refetch on focus off.
 */
import { type ComponentType, type ReactNode, useEffect } from "react"
import { createRoot } from "react-dom/client"
import type { NextAuthGlobal, NextAuthHandle, PageSession } from "./handle.ts"

/** The part of `next-auth/react` the page uses: the same names and shapes in 4 and 5. */
export interface NextAuthReact {
  readonly SessionProvider: ComponentType<{
    readonly children: ReactNode
    readonly basePath?: string
    readonly refetchOnWindowFocus?: boolean
  }>
  readonly useSession: () => {
    readonly status: string
    readonly data: unknown
    readonly update: (data?: unknown) => Promise<unknown>
  }
  readonly getSession: () => Promise<unknown>
  readonly getCsrfToken: () => Promise<unknown>
  readonly getProviders: () => Promise<unknown>
  readonly signIn: (provider: string, options: Record<string, unknown>) => Promise<unknown>
  readonly signOut: (options: Record<string, unknown>) => Promise<unknown>
}

export const mountNextAuthPage = (client: NextAuthReact) => {
  const query = new URLSearchParams(location.search)
  const statuses: Array<string> = []
  let last: ReturnType<NextAuthHandle["state"]> = { status: "none", data: null }
  let update: (data: unknown) => Promise<unknown> = () => Promise.reject(new Error("not rendered yet"))
  const handle: NextAuthHandle = {
    pageId: crypto.randomUUID(),
    statuses,
    state: () => last,
    getSession: client.getSession,
    getCsrfToken: client.getCsrfToken,
    getProviders: client.getProviders,
    signIn: (provider, options) => client.signIn(provider, options),
    signOut: (options) => client.signOut(options),
    update: (data) => update(data)
  }
  ;(globalThis as unknown as { __nextauth: NextAuthGlobal["__nextauth"] }).__nextauth = handle

  const Status = () => {
    const session = client.useSession()
    const data = (session.data ?? null) as PageSession | null
    last = { status: session.status, data }
    if (statuses.at(-1) !== session.status) statuses.push(session.status)
    useEffect(() => {
      update = session.update
    }, [session.update])
    return (
      <p>
        <output id="status">{session.status}</output> <span id="name">{data?.user?.name ?? ""}</span>
      </p>
    )
  }

  const root = document.createElement("div")
  document.body.append(root)
  // No StrictMode: it mounts SessionProvider twice, and each mount reads the session.
  createRoot(root).render(
    <client.SessionProvider basePath={query.get("base") ?? "/auth"} refetchOnWindowFocus={query.get("focus") !== "0"}>
      <Status />
    </client.SessionProvider>
  )
}
