import * as Redis from "effect/persistence/Redis"

/**
 * The Ledger's conditional primitives as Lua scripts. Redis runs a script alone (no other command of any
 * client runs in between), so a script's read and its write are one step: of concurrent compare-and-sets
 * from one expected value, on any number of nodes, exactly one finds it and writes; no increment reads a
 * count another has already moved past. MULTI/WATCH would also be correct, but a lost race there means a
 * retry loop; a script has no losers to retry.
 *
 * Every script takes `now` from the caller (the node's Clock), like the SQL stores, and treats an entry
 * whose expiry is at or before it as absent, whether or not Redis has dropped the key yet. A write sets the
 * key's own expiry (PX, the milliseconds until `expiresAt`), so Redis drops it itself; a write whose entry
 * is already expired deletes the key instead (PX must be positive).
 *
 * Entries are stored as `<expiresAt ms>:<value>` (storedEntry.ts). A key that does not hold that shape is
 * an error (the script fails, the primitive is LedgerUnavailable), never silently overwritten.
 */
const prelude = `
local function live(stored, now)
  if not stored then return nil end
  local separator = string.find(stored, ":", 1, true)
  local expiresAt = separator and tonumber(string.sub(stored, 1, separator - 1))
  if not expiresAt then error("authfx: a ledger key holds what the ledger did not write") end
  if expiresAt <= now then return nil end
  return string.sub(stored, separator + 1), string.sub(stored, 1, separator - 1)
end
local function write(key, stored, ttl)
  if ttl > 0 then redis.call("SET", key, stored, "PX", ttl) else redis.call("DEL", key) end
end
`

/** KEYS[1]; ARGV: now, "1" when a value is expected ("0": absence), the expected value, the entry to write, its TTL. */
export const compareAndSet = Redis.script(
  (key: string, now: number, expected: string | null, next: string, ttl: number) =>
    [key, now, expected === null ? "0" : "1", expected ?? "", next, ttl],
  {
    numberOfKeys: 1,
    lua: `${prelude}
local current = live(redis.call("GET", KEYS[1]), tonumber(ARGV[1]))
if ARGV[2] == "1" then
  if current ~= ARGV[3] then return 0 end
elseif current ~= nil then
  return 0
end
write(KEYS[1], ARGV[4], tonumber(ARGV[5]))
return 1`
  }
).withReturnType<number>()

/**
 * KEYS[1]; ARGV: now, by, the entry that starts a counter, its TTL. Answers the count and the expiry (ms),
 * as strings. A live counter keeps its expiry, in the stored entry and on the key (KEEPTTL). Counts are
 * whole numbers, formatted with %.0f: Lua numbers are doubles, and tostring would write 1e+15.
 */
export const increment = Redis.script(
  (key: string, now: number, by: number, start: string, ttl: number) => [key, now, by, start, ttl],
  {
    numberOfKeys: 1,
    lua: `${prelude}
local current, expiresAt = live(redis.call("GET", KEYS[1]), tonumber(ARGV[1]))
if current == nil then
  write(KEYS[1], ARGV[3], tonumber(ARGV[4]))
  local separator = string.find(ARGV[3], ":", 1, true)
  return { ARGV[2], string.sub(ARGV[3], 1, separator - 1) }
end
local count = tonumber(current)
if not count then error("authfx: a ledger counter holds what is not a number") end
count = string.format("%.0f", count + tonumber(ARGV[2]))
redis.call("SET", KEYS[1], expiresAt .. ":" .. count, "KEEPTTL")
return { count, expiresAt }`
  }
).withReturnType<ReadonlyArray<string>>()

/** KEYS[1]; ARGV: now, the expected value. 1 when it deleted. */
export const deleteIf = Redis.script(
  (key: string, now: number, expected: string) => [key, now, expected],
  {
    numberOfKeys: 1,
    lua: `${prelude}
if live(redis.call("GET", KEYS[1]), tonumber(ARGV[1])) ~= ARGV[2] then return 0 end
redis.call("DEL", KEYS[1])
return 1`
  }
).withReturnType<number>()
