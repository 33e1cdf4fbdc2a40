import { createHash } from "node:crypto"

/**
 * The sign-in page's one script: a passkey button over the browser's WebAuthn API, no library (the page has no
 * bundle). It fetches the options (and this browser's challenge cookie), asks the browser for a discoverable
 * credential, and posts the answer with the form, which then follows the server's redirect as any sign-in
 * form does. It is a constant, so the page's CSP names it by hash and no other script runs; without it (or
 * without WebAuthn) the button stays hidden.
 */
export const passkeySignInScript = `(() => {
  const form = document.getElementById("passkey-signin")
  if (!form || !window.PublicKeyCredential) return
  const status = document.getElementById("passkey-signin-status")
  const text = (buffer) => String.fromCharCode(...new Uint8Array(buffer))
  const b64u = (buffer) => btoa(text(buffer)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "")
  const bytes = (value) => Uint8Array.from(atob(value.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))
  form.hidden = false
  form.addEventListener("submit", async (event) => {
    event.preventDefault()
    status.textContent = ""
    try {
      const answer = await fetch(form.dataset.options, { credentials: "same-origin" })
      if (!answer.ok) throw new Error("options " + answer.status)
      const { options } = await answer.json()
      const { allowCredentials, ...publicKey } = options
      const credential = await navigator.credentials.get({ publicKey: { ...publicKey, challenge: bytes(options.challenge) } })
      const response = credential.response
      form.elements.namedItem("data").value = JSON.stringify({
        id: credential.id,
        rawId: b64u(credential.rawId),
        type: credential.type,
        authenticatorAttachment: credential.authenticatorAttachment || undefined,
        clientExtensionResults: credential.getClientExtensionResults(),
        response: {
          clientDataJSON: b64u(response.clientDataJSON),
          authenticatorData: b64u(response.authenticatorData),
          signature: b64u(response.signature),
          userHandle: response.userHandle ? b64u(response.userHandle) : undefined
        }
      })
      form.submit()
    } catch (error) {
      status.textContent = "No passkey was used. Try again, or sign in another way."
    }
  })
})()`

/** The CSP source that lets exactly this script run. */
export const passkeySignInScriptSource = `'sha256-${createHash("sha256").update(passkeySignInScript).digest("base64")}'`
