import { Context } from "effect"

/**
 * What a user's session list shows of the client a session was signed in from: a browser family and an
 * operating system, never the full User-Agent (which fingerprints), and never an address. Order matters: Edge
 * and Opera say "Chrome" too, Chrome says "Safari", Android says "Linux", iOS says "Mac OS X".
 */
const browsers: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\bOPR\/|\bOpera\b/, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\bFirefox\/|\bFxiOS\//, "Firefox"],
  [/\bChrom(?:e|ium)\/|\bCriOS\//, "Chrome"],
  [/\bSafari\//, "Safari"],
  [/\bcurl\//, "curl"]
]

const systems: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bAndroid\b/, "Android"],
  [/\biPhone\b|\biPad\b|\biPod\b/, "iOS"],
  [/\bWindows\b/, "Windows"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"]
]

const first = (table: ReadonlyArray<readonly [RegExp, string]>, text: string): string | null =>
  table.find(([pattern]) => pattern.test(text))?.[1] ?? null

/** "Firefox on Linux", "Chrome", "Android", or null when the User-Agent names nothing we know (or is absent). */
export const clientLabel = (userAgent: string | undefined): string | null => {
  // Long headers are not parsed further: what we look for is near the start, and a regex over a huge header is work.
  const text = userAgent?.slice(0, 512) ?? ""
  const browser = first(browsers, text)
  const system = first(systems, text)
  return browser !== null && system !== null ? `${browser} on ${system}` : browser ?? system
}

/**
 * The client label of the request being answered, for a session it starts. The HTTP layer provides it per
 * request; programs run elsewhere (tests, a script) see null.
 */
export const SignInClient = Context.Reference<string | null>("authfx/SignInClient", { defaultValue: () => null })
