import { isIP } from "node:net"
import type { HttpServerRequest } from "effect/http"
import { forwardedEntry } from "./forwardedChain.ts"

/** An IPv6 address as its eight 16-bit groups, or undefined when it is not one. */
const ipv6Groups = (address: string): ReadonlyArray<number> | undefined => {
  const zoneless = address.split("%")[0]!
  // A trailing dotted IPv4 (::ffff:192.0.2.1) is two more groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(zoneless)
  const bytes = dotted === null ? [] : dotted[2]!.split(".").map(Number)
  const text = dotted === null
    ? zoneless
    : `${dotted[1]}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)))
  const head = parse(halves[0]!)
  const tail = halves.length === 2 ? parse(halves[1]!) : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined
  return [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => 0), ...tail]
}

/**
 * The key of a client address for its counters. IPv4 as it is; an IPv4-mapped IPv6 address as its IPv4
 * (one client, whichever socket family saw it); any other IPv6 address as its /64 — one subscriber gets a
 * whole /64 and can use every address in it, so counting single addresses would count nothing.
 * Undefined when it is not an IP address.
 */
export const addressKey = (address: string): string | undefined => {
  const trimmed = address.trim()
  const unbracketed = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed
  const family = isIP(unbracketed.split("%")[0]!)
  if (family === 4) return unbracketed
  if (family !== 6) return undefined
  const groups = ipv6Groups(unbracketed)
  if (groups === undefined) return undefined
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff
  if (mapped) return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join(".")
  return groups.slice(0, 4).map((g) => g.toString(16)).join(":") + "::/64"
}

/**
 * Who is asking, for the per-address rules: the socket peer by default. Behind `trustedProxies` reverse
 * proxies, the X-Forwarded-For entry our outermost proxy added, read from the right (forwardedChain.ts):
 * entries left of it are whatever the client sent and are never read. When that entry is not an address,
 * the peer (our proxy) is used, never another entry. Undefined when neither is known (a web handler
 * without a socket and without trusted proxies): the per-address rules then do not apply.
 */
export const clientAddress = (request: HttpServerRequest.HttpServerRequest, trustedProxies: number): string | undefined => {
  if (trustedProxies > 0) {
    const forwarded = forwardedEntry(request.headers["x-forwarded-for"], trustedProxies)
    const key = forwarded === undefined ? undefined : addressKey(forwarded)
    if (key !== undefined) return key
  }
  const peer = request.remoteAddress
  return peer._tag === "Some" ? addressKey(peer.value) : undefined
}
