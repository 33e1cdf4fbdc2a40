import { build } from "esbuild"
import { fileURLToPath } from "node:url"

export type PageName = "clientPage.ts" | "reactPage.tsx" | "nextAuthV5Page.tsx" | "nextAuthV4Page.tsx"

/**
 * A browser page of test/client/pages, bundled as the demo bundles its script (React from node_modules). `env`
 * is what the page's code finds in `process.env` (a bundle-time define, as Next.js does for the browser); any
 * other variable reads as undefined.
 */
export const bundlePage = async (name: PageName, env: Readonly<Record<string, string>> = {}): Promise<string> => {
  const defined = Object.fromEntries(Object.entries(env).map(([key, value]) => [`process.env.${key}`, JSON.stringify(value)]))
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./pages/${name}`, import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    jsx: "automatic",
    // React's development build: its warnings are console errors, which the tests refuse.
    define: { "process.env.NODE_ENV": "\"development\"", ...defined, "process.env": "{}" },
    write: false,
    logLevel: "silent"
  })
  return result.outputFiles[0]!.text
}
