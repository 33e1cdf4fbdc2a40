/**
 * Unlinking an account ends the sessions that were signed in with it (issue 10, item 7), in both strategies:
 * an attacker who once got his provider account linked to the victim's user keeps no session once she
 * unlinks it, while her sessions of other sign-in methods stay.
 */
import { describe, expect, it } from "vitest"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { profile } from "../../support/memoryHarness.ts"

type Harness = Awaited<ReturnType<typeof startAuth>>

const linkedGitHub = profile("gh-linked", "linked@users.github.example", true)

/** Ada signs in with her password and links the GitHub account `linkedGitHub` in a link flow. */
const adaWithGitHub = async (t: Harness) => {
  const ada = t.browser()
  await t.credentialsSignIn(ada)
  const start = await ada.post("/auth/link/github", { csrfToken: await ada.csrfToken() })
  const params = await t.approve(start.headers.get("location")!, linkedGitHub)
  await ada.get(`/auth/callback/github?${new URLSearchParams(params)}`)
  return ada
}

const copyOf = (t: Harness, b: Browser) => {
  const copy = t.browser()
  for (const [name, value] of b.cookies) copy.cookies.set(name, value)
  return copy
}

describe.each(["jwt", "database"] as const)("%s sessions", (strategy) => {
  it("unlinking GitHub ends every session signed in with GitHub, copies included, and only those", async () => {
    const t = await startAuth({ session: { strategy } })
    const ada = await adaWithGitHub(t)
    // Whoever holds the GitHub account signs in as Ada, and keeps a copy of the cookie.
    const holder = t.browser()
    await t.oauthSignIn(holder, "github", linkedGitHub)
    expect(await t.session(holder)).toMatchObject({ user: { name: "Ada" } })
    const kept = copyOf(t, holder)
    // Ada on another device, with her password.
    const laptop = t.browser()
    await t.credentialsSignIn(laptop)

    const unlinked = await ada.post("/auth/unlink/github", { csrfToken: await ada.csrfToken() })
    expect(unlinked.status).toBe(200)
    expect(await unlinked.json()).toStrictEqual({
      unlinked: { provider: "github", providerAccountId: "gh-linked" },
      sessionEnded: false
    })

    expect(await t.session(holder)).toBeNull()
    expect(await t.session(kept)).toBeNull()
    expect(await t.session(ada)).toMatchObject({ user: { name: "Ada" } })
    expect(await t.session(laptop)).toMatchObject({ user: { name: "Ada" } })
    await t.auth.dispose()
  })

  it("unlinking the provider of the current session ends it too, and says so", async () => {
    const t = await startAuth({ session: { strategy } })
    await adaWithGitHub(t)
    const b = t.browser()
    await t.oauthSignIn(b, "github", linkedGitHub)
    const response = await b.post("/auth/unlink/github", { csrfToken: await b.csrfToken() })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ sessionEnded: true })
    expect(response.headers.getSetCookie().some((h) => /^authjs\.session-token=;/.test(h))).toBe(true)
    expect(await t.session(b)).toBeNull()
    await t.auth.dispose()
  })

  it("a session signed in with GitHub after it is linked again is not affected by the earlier unlink", async () => {
    const t = await startAuth({ session: { strategy } })
    const ada = await adaWithGitHub(t)
    await ada.post("/auth/unlink/github", { csrfToken: await ada.csrfToken() })
    const start = await ada.post("/auth/link/github", { csrfToken: await ada.csrfToken() })
    const params = await t.approve(start.headers.get("location")!, linkedGitHub)
    await ada.get(`/auth/callback/github?${new URLSearchParams(params)}`)
    const later = t.browser()
    await t.oauthSignIn(later, "github", linkedGitHub)
    expect(await t.session(later)).toMatchObject({ user: { name: "Ada" } })
    await t.auth.dispose()
  })
})
