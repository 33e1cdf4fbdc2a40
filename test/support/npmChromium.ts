/**
 * A Chromium from the npm registry, for machines without Debian's: @sparticuz/chromium (a devDependency) ships
 * chrome-headless-shell brotli-compressed, with the NSS and expat libraries it links against, SwiftShader and a
 * font. `npm install` brings it; the first browser test unpacks it once into node_modules/.cache, and every
 * later run finds it there. With its libraries first on LD_LIBRARY_PATH it needs nothing of the system beyond
 * libc and libgcc (`ldd` says so), which every Debian has.
 *
 * Not the package's own `executablePath()`: that unpacks into a fixed path in the shared /tmp (/tmp/chromium),
 * where a half-written file from a concurrent test worker, or a file another user of the machine put there,
 * would be executed.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { brotliDecompressSync } from "node:zlib"

export interface UnpackedChromium {
  readonly executablePath: string
  /** The Chromium version the package ships, e.g. "153.0.0". */
  readonly version: string
  /** What the browser's environment needs on top of ours: its libraries and its font configuration. */
  readonly env: Readonly<Record<string, string>>
}

const packageDir = () => join(dirname(fileURLToPath(import.meta.resolve("@sparticuz/chromium"))), "..")

/** Unpacks a `.tar.br` of the package into `into` (tar is in every Debian: it is an essential package). */
const untar = (archive: string, into: string) => {
  mkdirSync(into, { recursive: true })
  const result = spawnSync("tar", ["-x", "-C", into], { input: brotliDecompressSync(readFileSync(archive)), stdio: ["pipe", "ignore", "pipe"] })
  if (result.status !== 0) throw new Error(`tar could not unpack ${archive}: ${result.stderr?.toString() ?? result.error?.message}`)
}

/** Unpacks the browser (once per version) and says how to run it. Throws when the package is missing or broken. */
export const npmChromium = (): UnpackedChromium => {
  const from = packageDir()
  const version = (JSON.parse(readFileSync(join(from, "package.json"), "utf8")) as { readonly version: string }).version
  const bin = join(from, "bin")
  const dir = fileURLToPath(new URL(`../../node_modules/.cache/authfx-chromium/${version}`, import.meta.url))
  const unpacked: UnpackedChromium = {
    executablePath: join(dir, "chromium"),
    version,
    env: { LD_LIBRARY_PATH: join(dir, "lib"), FONTCONFIG_FILE: join(dir, "fonts.conf") }
  }
  if (existsSync(unpacked.executablePath)) return unpacked
  // Unpacked beside the final place, then renamed there in one step: a concurrent worker either finds the whole
  // directory or none, and when two unpack at once the first rename wins and the other's copy is removed.
  const staging = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}`
  try {
    mkdirSync(staging, { recursive: true })
    writeFileSync(join(staging, "chromium"), brotliDecompressSync(readFileSync(join(bin, "chromium.br"))), { mode: 0o755 })
    untar(join(bin, "al2023.tar.br"), staging) // lib/: libnss3, libnspr4, libexpat, …
    untar(join(bin, "swiftshader.tar.br"), staging) // libEGL, libGLESv2: looked for beside the executable
    untar(join(bin, "fonts.tar.br"), join(staging, "fonts"))
    writeFileSync(
      join(staging, "fonts.conf"),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${join(dir, "fonts", "fonts")}</dir>` +
        `<cachedir>${join(dir, "fonts-cache")}</cachedir></fontconfig>\n`
    )
    try {
      renameSync(staging, dir)
    } catch (error) {
      if (!existsSync(unpacked.executablePath)) throw error
    }
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  return unpacked
}
