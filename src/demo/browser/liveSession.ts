/**
 * The demo home page's script: the authfx client, started with the session the page was rendered with (no
 * request at load), re-renders the page's session part whenever the session changes — in this tab or in
 * another (sign-in, sign-out, update), or as read again on focus or when the browser is back online. With a
 * passkey provider, it lists the signed-in user's passkeys and adds and removes them (authfx/client/passkey).
 */
import { createAuthClient, type Session } from "../../client/index.ts"
import { listPasskeys, registerPasskey, removePasskey, signInWithPasskey } from "../../client/passkey.ts"
import { sessionMarkup } from "../sessionMarkup.ts"

const script = document.querySelector<HTMLScriptElement>("script[data-session]")
const main = document.querySelector("main")
if (script !== null && main !== null) {
  const basePath = script.dataset["basePath"] ?? "/auth"
  const provider = script.dataset["passkeyProvider"]
  const session = JSON.parse(script.dataset["session"] ?? "null") as Session | null
  const client = createAuthClient({ basePath, session })
  const passkeys = { basePath, provider, redirect: false, client } as const

  const say = (message: string) => {
    const status = document.getElementById("passkey-status")
    if (status !== null) status.textContent = message
  }

  /** The list, built with textContent: ids come from the server but are never markup. */
  const showPasskeys = async () => {
    const list = document.getElementById("passkey-list")
    if (list === null) return
    const found = (await listPasskeys(passkeys)) ?? []
    list.replaceChildren(...found.map((passkey) => {
      const item = document.createElement("li")
      const name = document.createElement("code")
      name.textContent = passkey.credentialID.slice(0, 16)
      const remove = document.createElement("button")
      remove.type = "button"
      remove.className = "button"
      remove.dataset["remove"] = passkey.credentialID
      remove.textContent = "Remove"
      remove.setAttribute("aria-label", `Remove passkey ${name.textContent}`)
      item.append(name, " ", remove)
      return item
    }))
    if (found.length === 0) say("No passkeys yet.")
  }

  main.addEventListener("click", (event) => {
    const target = event.target instanceof HTMLElement ? event.target : null
    if (target?.id === "passkey-show") void showPasskeys()
    if (target?.id === "passkey-signin") {
      void signInWithPasskey({ basePath, provider, callbackUrl: "/" }).then((result) => {
        if (result?.error !== undefined) say(`Not signed in (${result.error}).`)
      })
    }
    if (target?.id === "passkey-add") {
      void registerPasskey(passkeys).then(async (result) => {
        await showPasskeys()
        say(result?.error === undefined ? "Passkey added." : `No passkey added (${result.error}).`)
      })
    }
    const credentialID = target?.dataset["remove"]
    if (credentialID !== undefined) {
      void removePasskey(credentialID, passkeys).then(async (result) => {
        if (result.sessionEnded) return void client.getSession()
        await showPasskeys()
        say(result.ok ? "Passkey removed." : result.error === "LastSignInMethod"
          ? "This passkey is your last way to sign in: add another way first."
          : `Not removed (${result.error}).`)
      })
    }
  })

  client.subscribe((state) => {
    if (state.status === "loading") return
    for (const shown of main.querySelectorAll("h1 ~ *")) shown.remove()
    // The markup escapes every value it interpolates (src/http/pages/html.ts).
    main.insertAdjacentHTML("beforeend", sessionMarkup(state.data, basePath, provider !== undefined).value)
  })
}
