/**
 * The demo home page's script: the authfx client, started with the session the page was rendered with (no
 * request at load), re-renders the page's session part whenever the session changes — in this tab or in
 * another (sign-in, sign-out, update), or as read again on focus or when the browser is back online.
 */
import { createAuthClient, type Session } from "../../client/index.ts"
import { sessionMarkup } from "../sessionMarkup.ts"

const script = document.querySelector<HTMLScriptElement>("script[data-session]")
const main = document.querySelector("main")
if (script !== null && main !== null) {
  const basePath = script.dataset["basePath"] ?? "/auth"
  const session = JSON.parse(script.dataset["session"] ?? "null") as Session | null
  const client = createAuthClient({ basePath, session })
  client.subscribe((state) => {
    if (state.status === "loading") return
    for (const shown of main.querySelectorAll("h1 ~ *")) shown.remove()
    // The markup escapes every value it interpolates (src/http/pages/html.ts).
    main.insertAdjacentHTML("beforeend", sessionMarkup(state.data, basePath).value)
  })
}
