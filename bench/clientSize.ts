/**
 * The size of `authfx/client` as a browser downloads it: the entry (store + API functions) bundled by esbuild
 * (ESM, minified, browser target), then gzipped by node:zlib at level 9. The React binding is measured
 * alone too, React itself left out (it is the application's). `npm run size` prints both.
 */
import { build } from "esbuild"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

export const clientEntries = {
  client: fileURLToPath(new URL("../src/client/index.ts", import.meta.url)),
  react: fileURLToPath(new URL("../src/client/react.ts", import.meta.url)),
  passkey: fileURLToPath(new URL("../src/client/passkey.ts", import.meta.url))
} as const

export interface BundleSize {
  /** Bytes of the minified bundle. */
  readonly minified: number
  /** Bytes of it gzipped. */
  readonly gzipped: number
  /** The files the bundle holds, relative to the working directory (a dependency would show here). */
  readonly inputs: ReadonlyArray<string>
  /** What it imports from outside the bundle. */
  readonly external: ReadonlyArray<string>
}

export const bundleSize = async (entry: string, external: ReadonlyArray<string> = []): Promise<BundleSize> => {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    external: [...external],
    write: false,
    metafile: true,
    absWorkingDir: fileURLToPath(new URL("..", import.meta.url)),
    logLevel: "silent"
  })
  const code = result.outputFiles[0]!.contents
  const output = Object.values(result.metafile.outputs)[0]
  return {
    minified: code.byteLength,
    gzipped: gzipSync(code, { level: 9 }).byteLength,
    inputs: Object.keys(result.metafile.inputs),
    external: (output?.imports ?? []).filter((i) => i.external).map((i) => i.path)
  }
}

/** The framework-free client: no React, no dependency. */
export const clientSize = () => bundleSize(clientEntries.client)

/** The React binding with the client it wraps, React excluded. */
export const reactBindingSize = () => bundleSize(clientEntries.react, ["react"])

/** The passkey helpers with @simplewebauthn/browser, which they carry (a separate entry: the core client stays without it). */
export const passkeySize = () => bundleSize(clientEntries.passkey)

if (import.meta.main) {
  const [client, react, passkey] = await Promise.all([clientSize(), reactBindingSize(), passkeySize()])
  const line = (name: string, size: BundleSize) =>
    `${name.padEnd(48)} ${String(size.minified).padStart(6)} B minified  ${String(size.gzipped).padStart(6)} B gzipped`
  console.log(line("authfx/client", client))
  console.log(line("authfx/client/react (+client, no React)", react))
  console.log(line("authfx/client/passkey (+@simplewebauthn/browser)", passkey))
  console.log(`budget for authfx/client: 3072 B gzipped (${client.gzipped <= 3072 ? "met" : "EXCEEDED"})`)
}
