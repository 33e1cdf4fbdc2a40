import { Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Account, ProviderId } from "../../src/domain/Account.ts"
import { decideLink, decideUnlink, keepsAWayIn, type LinkFacts } from "../../src/domain/linkDecision.ts"
import type { Email, User, UserId } from "../../src/domain/User.ts"

const user = (id: string, verified = true): User => ({
  id: id as UserId,
  name: id,
  email: `${id}@example.com` as Email,
  emailVerified: verified ? new Date("2026-01-01T00:00:00Z") : null,
  image: null
})
const [ada, bob] = [user("ada"), user("bob")]
/** Holds an address they never proved (it came from a provider that does not verify addresses). */
const claimant = user("claimant", false)
const none = Option.none<User>()
const some = (u: User) => Option.some(u)

type Row = readonly [
  string,
  { linkTo: Option.Option<User>; accountOwner: Option.Option<User>; emailOwner: Option.Option<User> },
  { verified: boolean; trusted: boolean },
  string
]

// Every combination that matters, with the outcome each rule promises (README: "Account linking").
const rows: ReadonlyArray<Row> = [
  ["linked account, a sign-in → its user", { linkTo: none, accountOwner: some(ada), emailOwner: none }, { verified: false, trusted: false }, "SignInExisting:ada"],
  ["linked account, a link flow of its own user → same user", { linkTo: some(ada), accountOwner: some(ada), emailOwner: some(ada) }, { verified: true, trusted: true }, "SignInExisting:ada"],
  ["linked account, a link flow of another user → refuse", { linkTo: some(bob), accountOwner: some(ada), emailOwner: none }, { verified: true, trusted: true }, "Refuse:AccountOfAnotherUser"],
  ["linked account owner wins over e-mail owner", { linkTo: none, accountOwner: some(ada), emailOwner: some(bob) }, { verified: true, trusted: true }, "SignInExisting:ada"],
  ["new account, a link flow → link to the user who asked", { linkTo: some(bob), accountOwner: none, emailOwner: none }, { verified: false, trusted: false }, "LinkToCurrent:bob"],
  ["new account, a link flow, e-mail of another user → still the user who asked", { linkTo: some(bob), accountOwner: none, emailOwner: some(ada) }, { verified: true, trusted: true }, "LinkToCurrent:bob"],
  ["new account, a sign-in, e-mail taken, unverified, untrusted → refuse", { linkTo: none, accountOwner: none, emailOwner: some(ada) }, { verified: false, trusted: false }, "Refuse:EmailOfAnotherUser"],
  ["new account, a sign-in, e-mail taken, verified, untrusted → refuse", { linkTo: none, accountOwner: none, emailOwner: some(ada) }, { verified: true, trusted: false }, "Refuse:EmailOfAnotherUser"],
  ["new account, a sign-in, e-mail taken, unverified, trusted → refuse", { linkTo: none, accountOwner: none, emailOwner: some(ada) }, { verified: false, trusted: true }, "Refuse:EmailOfAnotherUser"],
  ["new account, a sign-in, e-mail taken, verified, trusted → link to its owner", { linkTo: none, accountOwner: none, emailOwner: some(ada) }, { verified: true, trusted: true }, "LinkToEmailOwner:ada"],
  ["new account, a sign-in, e-mail only claimed by a user, verified, trusted → the prover reclaims it", { linkTo: none, accountOwner: none, emailOwner: some(claimant) }, { verified: true, trusted: true }, "ReclaimAddress:claimant"],
  ["new account, a sign-in, e-mail only claimed by a user, unverified → refuse", { linkTo: none, accountOwner: none, emailOwner: some(claimant) }, { verified: false, trusted: true }, "Refuse:EmailOfAnotherUser"],
  ["new account, a sign-in, new e-mail → create", { linkTo: none, accountOwner: none, emailOwner: none }, { verified: false, trusted: false }, "CreateAndLink"],
  ["new account, a sign-in, new e-mail, trusted → create", { linkTo: none, accountOwner: none, emailOwner: none }, { verified: true, trusted: true }, "CreateAndLink"]
]

describe("decideLink", () => {
  it.each(rows)("%s", (_name, facts, profile, expected) => {
    const input: LinkFacts = { ...facts, emailVerified: profile.verified, providerTrustsEmail: profile.trusted }
    const decision = decideLink(input)
    const shown = decision._tag === "Refuse"
      ? `Refuse:${decision.reason}`
      : decision._tag === "CreateAndLink"
      ? "CreateAndLink"
      : decision._tag === "ReclaimAddress"
      ? `ReclaimAddress:${decision.holder.id}`
      : `${decision._tag}:${decision.user.id}`
    expect(shown).toBe(expected)
  })
})

const account = (owner: User, provider: string, type: Account["type"] = "oauth"): Account => ({
  provider: provider as ProviderId,
  providerAccountId: `${owner.id}-${provider}`,
  userId: owner.id,
  type,
  accessToken: null,
  refreshToken: null,
  idToken: null,
  expiresAt: null,
  tokenType: null,
  scope: null,
  sessionState: null,
  needsReauth: false
})

describe("decideUnlink", () => {
  const github = account(ada, "github")
  const google = account(ada, "google")
  const unverified = user("carl", false)
  const carlGithub = account(unverified, "github")

  it.each([
    ["another account remains → unlink", ada, [github, google], github, false, "Unlink"],
    ["last account, e-mail sign-in off → refuse", ada, [github], github, false, "Refuse:LastSignInMethod"],
    ["last account, verified e-mail and e-mail sign-in on → unlink", ada, [github], github, true, "Unlink"],
    ["last account, unverified e-mail, e-mail sign-in on → refuse", unverified, [carlGithub], carlGithub, true, "Refuse:LastSignInMethod"],
    ["credentials account counts as a way in", ada, [github, account(ada, "credentials", "credentials")], github, false, "Unlink"],
    ["someone else's account → refuse", bob, [github], github, true, "Refuse:NotLinkedToUser"]
  ] as const)("%s", (_name, who, accounts, target, emailOn, expected) => {
    const decision = decideUnlink({ user: who, accounts, target, emailSignInEnabled: emailOn })
    expect(decision._tag === "Refuse" ? `Refuse:${decision.reason}` : decision._tag).toBe(expected)
  })
})

describe("keepsAWayIn: the rule every store's guarded unlink enforces", () => {
  it.each([
    ["another account", { otherAccounts: 1, verifiedEmail: false, verifiedEmailCounts: false }, true],
    ["a verified address while e-mail sign-in is on", { otherAccounts: 0, verifiedEmail: true, verifiedEmailCounts: true }, true],
    ["a verified address while e-mail sign-in is off", { otherAccounts: 0, verifiedEmail: true, verifiedEmailCounts: false }, false],
    ["an unverified address", { otherAccounts: 0, verifiedEmail: false, verifiedEmailCounts: true }, false],
    ["nothing", { otherAccounts: 0, verifiedEmail: false, verifiedEmailCounts: false }, false]
  ] as const)("%s", (_name, after, expected) => {
    expect(keepsAWayIn(after)).toBe(expected)
  })
})
