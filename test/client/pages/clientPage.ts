/**
 * The client test page: `authfx/client` against the server of the test, configured from the query
 * (`base`: the base path; `origin`: the API's origin; `interval`: refetchInterval in seconds; `focus=0`: no refetch on focus), showing
 * the session and handing the client to the test on `globalThis.__authfx`.
 */
import { createAuthClient, defaultClient, getCsrfToken, type SessionState } from "../../../src/client/index.ts"
import type { PageGlobal, PageHandle, PageState } from "./handle.ts"

const query = new URLSearchParams(location.search)
const client = createAuthClient({
  basePath: query.get("base") ?? "/auth",
  origin: query.get("origin") ?? undefined,
  refetchInterval: Number(query.get("interval") ?? "0"),
  refetchOnWindowFocus: query.get("focus") !== "0"
})

const states: Array<PageState> = []
const status = document.createElement("output")
status.id = "status"
const shown = document.createElement("pre")
document.body.append(status, shown)

const record = (state: SessionState) => {
  states.push(state)
  status.textContent = state.status
  shown.textContent = JSON.stringify(state.data, null, 2)
}
record(client.getState())
client.subscribe(record)

const handle: PageHandle = {
  pageId: crypto.randomUUID(),
  states,
  state: client.getState,
  url: client.url,
  getSession: client.getSession,
  getCsrfToken: client.getCsrfToken,
  getProviders: client.getProviders,
  signIn: (provider, options) => client.signIn(provider, options),
  signOut: (options) => client.signOut(options),
  update: client.update,
  defaults: { url: defaultClient().url, getCsrfToken }
}
const target = globalThis as unknown as { __authfx: PageGlobal["__authfx"] }
target.__authfx = handle
