import { html, raw } from "./html.ts"
import type { Html } from "./html.ts"
import { sanitizeTheme } from "./Theme.ts"
import type { SafeTheme, Theme } from "./Theme.ts"

export interface LayoutView {
  readonly theme: Theme
  /** The document title; the page's own h1 says what the page is. */
  readonly title: string
  readonly body: Html
}

const light = `color-scheme: light;
  --bg: #f4f4f5; --card: #ffffff; --text: #18181b; --muted: #52525b;
  --border: #8e8e98; --separator: #d4d4d8; --field: #ffffff;
  --alert-bg: #fef2f2; --alert-border: #dc2626; --alert-text: #7f1d1d;`

const dark = `color-scheme: dark;
  --bg: #0f1115; --card: #181b21; --text: #f4f4f5; --muted: #a1a1aa;
  --border: #71717a; --separator: #3f3f46; --field: #0f1115;
  --alert-bg: #2a1215; --alert-border: #f87171; --alert-text: #fecaca;`

const schemes = (colorScheme: SafeTheme["colorScheme"]): string => {
  switch (colorScheme) {
    case "light":
      return `:root { ${light} }`
    case "dark":
      return `:root { ${dark} }`
    case "auto":
      return `:root { ${light} }\n@media (prefers-color-scheme: dark) { :root { ${dark} } }`
  }
}

// Touch targets are at least 44px (2.75rem); inputs use 1rem text so mobile browsers do not zoom;
// the focus ring uses the text colour, not the brand colour, so it stays visible whatever the brand.
const base = `*, *::before, *::after { box-sizing: border-box; }
pre { overflow-x: auto; max-width: 100%; }
body {
  margin: 0; min-height: 100vh; min-height: 100dvh; display: grid; place-items: center;
  padding: 1.5rem 1rem; background: var(--bg); color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.5; -webkit-text-size-adjust: 100%; text-size-adjust: 100%;
}
main {
  width: 100%; max-width: 24rem; padding: 2rem 1.5rem; background: var(--card);
  border: 1px solid var(--separator); border-radius: 0.75rem; box-shadow: 0 1px 3px rgb(0 0 0 / 0.08);
}
.logo { display: block; max-width: 10rem; max-height: 4rem; margin: 0 auto 1.5rem; object-fit: contain; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 1.5rem; text-align: center; }
p { margin: 0 0 1rem; }
.muted { color: var(--muted); }
form { margin: 0; display: grid; gap: 1rem; }
.providers { display: grid; gap: 0.75rem; }
.field { display: grid; gap: 0.375rem; }
label { font-weight: 600; font-size: 0.9375rem; }
input {
  font: inherit; font-size: 1rem; width: 100%; min-height: 2.75rem; padding: 0.5rem 0.75rem;
  color: var(--text); background: var(--field); border: 1px solid var(--border); border-radius: 0.5rem;
}
input:focus-visible { border-color: var(--brand); }
.check { display: flex; align-items: center; gap: 0.5rem; min-height: 2.75rem; font-weight: 400; }
.check input { width: 1.25rem; height: 1.25rem; min-height: 0; padding: 0; flex: none; }
.button {
  font: inherit; font-weight: 600; width: 100%; min-height: 2.75rem; padding: 0.625rem 1rem;
  display: inline-flex; align-items: center; justify-content: center; gap: 0.5rem; text-align: center;
  color: var(--text); background: var(--card); border: 1px solid var(--border); border-radius: 0.5rem;
  cursor: pointer; text-decoration: none; transition: background-color 0.15s ease, filter 0.15s ease;
}
.button:hover { background: var(--bg); background: color-mix(in srgb, var(--brand) 10%, var(--card)); }
.button.primary { color: var(--brand-text); background: var(--brand); border-color: transparent; }
.button.primary:hover { filter: brightness(0.92); }
:focus-visible { outline: 3px solid var(--text); outline-offset: 2px; }
a { color: inherit; text-decoration-color: var(--brand); text-underline-offset: 0.2em; }
.separator {
  display: flex; align-items: center; gap: 0.75rem; margin: 1.5rem 0;
  color: var(--muted); font-size: 0.875rem;
}
.separator::before, .separator::after { content: ""; flex: 1; border-top: 1px solid var(--separator); }
.alert {
  margin: 0 0 1.5rem; padding: 0.75rem 1rem; border: 1px solid var(--alert-border);
  border-left-width: 4px; border-radius: 0.5rem; background: var(--alert-bg); color: var(--alert-text);
}
.alert p, main > :last-child { margin-bottom: 0; }
.actions { margin-top: 1.5rem; }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { transition: none !important; animation: none !important; scroll-behavior: auto !important; }
}`

/**
 * The whole inline stylesheet for a theme. Exported so the HTTP layer can send a CSP hash of it
 * (`style-src 'sha256-…'`) instead of `'unsafe-inline'`: the text depends only on the theme.
 */
export const stylesheet = (theme: SafeTheme): string =>
  `:root { --brand: ${theme.brandColor}; --brand-text: ${theme.buttonText}; }\n${schemes(theme.colorScheme)}\n${base}`

const colorSchemeMeta = (colorScheme: SafeTheme["colorScheme"]): string =>
  colorScheme === "auto" ? "light dark" : colorScheme

/**
 * The document around every built-in page: no script, no external stylesheet or font, no `style`
 * attributes (a hashed CSP would block them), and nothing indexable. The logo is fetched without a
 * referrer because the page URL carries the callbackUrl and error, which a third-party host need not see.
 */
export const layout = (view: LayoutView): string => {
  const theme = sanitizeTheme(view.theme)
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<meta name="color-scheme" content="${colorSchemeMeta(theme.colorScheme)}">
<title>${view.title}</title>
<style>${raw(stylesheet(theme))}</style>
</head>
<body>
<main>
${theme.logo !== null && html`<img class="logo" src="${theme.logo}" alt="Logo" referrerpolicy="no-referrer">\n`}${view.body}
</main>
</body>
</html>
`.value
}
