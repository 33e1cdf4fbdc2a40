import { build } from "esbuild"
import { fileURLToPath } from "node:url"

/** A browser page of test/client/pages, bundled as the demo bundles its script (React from node_modules). */
export const bundlePage = async (name: "clientPage.ts" | "reactPage.tsx"): Promise<string> => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./pages/${name}`, import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    jsx: "automatic",
    // React's development build: its warnings are console errors, which the tests refuse.
    define: { "process.env.NODE_ENV": "\"development\"" },
    write: false,
    logLevel: "silent"
  })
  return result.outputFiles[0]!.text
}
