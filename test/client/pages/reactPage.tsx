/**
 * The React test page: `SessionProvider` and `useSession` from `authfx/client/react`, in StrictMode (which
 * subscribes, unsubscribes and subscribes again), against the server of the test. The query picks what
 * renders: `mode=status` (a plain `useSession()`), `mode=required` (`required` with `onUnauthenticated`),
 * `mode=required-redirect` (`required` alone); `session=<json>` is the session the page was "rendered" with.
 */
import { StrictMode, useEffect } from "react"
import { createRoot } from "react-dom/client"
import type { Session } from "../../../src/client/index.ts"
import { SessionProvider, useAuthClient, useSession } from "../../../src/client/react.ts"
import type { ReactGlobal, ReactHandle } from "./handle.ts"

const query = new URLSearchParams(location.search)
const mode = query.get("mode") ?? "status"
const basePath = query.get("base") ?? "/auth"
const initial = query.get("session")

const statuses: Array<string> = []
const handle: { -readonly [K in keyof ReactHandle]: ReactHandle[K] } = {
  statuses,
  turnedAway: 0,
  signIn: () => Promise.reject(new Error("not rendered yet")),
  signOut: () => Promise.reject(new Error("not rendered yet")),
  update: () => Promise.reject(new Error("not rendered yet"))
}
;(globalThis as unknown as { __react: ReactGlobal["__react"] }).__react = handle

const onUnauthenticated = () => {
  handle.turnedAway += 1
}

const Shown = ({ status, name }: { readonly status: string; readonly name: string }) => {
  if (statuses.at(-1) !== status) statuses.push(status)
  return (
    <p>
      <output id="status">{status}</output> <span id="name">{name}</span>
    </p>
  )
}

const Actions = () => {
  const client = useAuthClient()
  const { update } = useSession()
  useEffect(() => {
    handle.signIn = (options) => client.signIn("credentials", { ...options, redirect: false })
    handle.signOut = () => client.signOut({ redirect: false })
    handle.update = update
  }, [client, update])
  return null
}

const Status = () => {
  const { data, status } = useSession()
  return <Shown status={status} name={data?.user?.name ?? ""} />
}

const Required = () => {
  const { data, status } = useSession({ required: true, onUnauthenticated })
  return <Shown status={status} name={data?.user?.name ?? ""} />
}

const RequiredRedirect = () => {
  const { status } = useSession({ required: true })
  return <Shown status={status} name="" />
}

const App = () => (
  <SessionProvider
    basePath={basePath}
    session={initial === null ? undefined : JSON.parse(initial) as Session | null}
  >
    <Actions />
    {mode === "required" ? <Required /> : mode === "required-redirect" ? <RequiredRedirect /> : <Status />}
  </SessionProvider>
)

const root = document.createElement("div")
document.body.append(root)
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>
)
