import { safeUrl } from "./html.ts"

/** How the built-in pages look, as Auth.js's `theme` option has it. */
export interface Theme {
  /** A hex colour (`#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`) for buttons and accents. */
  readonly brandColor?: string
  /** A hex colour for text on brand-coloured buttons. */
  readonly buttonText?: string
  /** An https: URL or a path on this site. */
  readonly logo?: string
  readonly colorScheme?: "auto" | "light" | "dark"
}

/** A theme whose every value is safe to write into CSS and attributes as it is. */
export interface SafeTheme {
  readonly brandColor: string
  readonly buttonText: string
  readonly logo: string | null
  readonly colorScheme: "auto" | "light" | "dark"
}

export const defaultTheme: SafeTheme = {
  brandColor: "#346df1",
  buttonText: "#ffffff",
  logo: null,
  colorScheme: "auto"
}

// Only a hex colour: anything richer (names, functions, `var()`) would need a CSS parser to prove it
// cannot close the declaration, and the value ends up inside a <style> element.
const hexColor = /^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/

const colorOr = (value: string | undefined, fallback: string): string =>
  value !== undefined && hexColor.test(value) ? value : fallback

// http: would be mixed content on an https site, and other schemes (javascript:, data:) are how an
// image attribute becomes a script or a tracking beacon.
const logoUrl = (value: string | undefined): string | null => {
  if (value === undefined) return null
  const url = safeUrl(value)
  return url !== null && (url.startsWith("/") || url.startsWith("https:")) ? url : null
}

/**
 * The theme as the pages may use it. Theme values come from configuration that may in turn come from
 * a database or an environment variable, so each is checked rather than trusted; a bad value falls
 * back to the default instead of failing the page.
 */
export const sanitizeTheme = (theme: Theme | undefined): SafeTheme => ({
  brandColor: colorOr(theme?.brandColor, defaultTheme.brandColor),
  buttonText: colorOr(theme?.buttonText, defaultTheme.buttonText),
  logo: logoUrl(theme?.logo),
  colorScheme: theme?.colorScheme === "light" || theme?.colorScheme === "dark" ? theme.colorScheme : "auto"
})
