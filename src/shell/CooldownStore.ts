import { Clock, Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { AlertId } from "../core/Alert.js"
import { ALERT_SEVERITIES, type AlertSeverity, isAbove } from "../core/Severity.js"
import { Keys } from "./Keys.js"
import { luaScript, Redis, type RedisError } from "./Redis.js"

/** The member's cooldown after an alert: repeats of this severity or lower are suppressed until `until`. */
export interface CooldownEntry {
  readonly severity: AlertSeverity
  readonly alertId: AlertId
  readonly until: number
}

export type CooldownDecision =
  | { readonly _tag: "Acquired" }
  | { readonly _tag: "Held"; readonly entry: CooldownEntry }

export interface CooldownRequest {
  readonly guildId: string
  readonly memberId: string
  readonly severity: AlertSeverity
  readonly alertId: AlertId
  readonly cooldownMs: number
  /** An escalation alert ignores the cooldown (and starts a new one). */
  readonly bypass: boolean
}

export interface CooldownStoreService {
  /**
   * Atomically take the member's cooldown for a new alert, unless one of the same or higher
   * severity is running. A strictly higher severity always breaks through.
   */
  readonly acquire: (request: CooldownRequest) => Effect.Effect<CooldownDecision, RedisError>
  /** Give the cooldown back when the alert it was taken for could not be posted at all. */
  readonly release: (guildId: string, memberId: string, alertId: AlertId) => Effect.Effect<void, RedisError>
  readonly current: (
    guildId: string,
    memberId: string,
  ) => Effect.Effect<Option.Option<CooldownEntry>, RedisError>
}

/** Stored as `severity|alertId|until` so the Lua script can compare severities without JSON. */
const StoredEntry = Schema.TemplateLiteralParser(
  Schema.Literal(...ALERT_SEVERITIES),
  "|",
  AlertId,
  "|",
  Schema.NumberFromString,
)
const decodeEntry = Schema.decodeUnknownOption(StoredEntry)
const encodeEntry = (e: CooldownEntry): string => `${e.severity}|${e.alertId}|${e.until}`

const toEntry = (raw: unknown): Option.Option<CooldownEntry> =>
  Option.map(decodeEntry(raw), ([severity, , alertId, , until]) => ({ severity, alertId, until }))

const acquireScript = luaScript(
  "cooldown.acquire",
  `local ranks = { medium = 1, high = 2, critical = 3 }
local current = redis.call('GET', KEYS[1])
if current and ARGV[3] ~= '1' then
  local severity = string.match(current, '^(%a+)|')
  local held = ranks[severity]
  if held and ranks[ARGV[2]] <= held then return current end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
return 'acquired'`,
)

const releaseScript = luaScript(
  "cooldown.release",
  `local current = redis.call('GET', KEYS[1])
if current and string.find(current, ARGV[1], 1, true) then redis.call('DEL', KEYS[1]) end
return 0`,
)

/** Per guild and member, shared by every bot process, expiring by itself. */
export class CooldownStore extends Context.Tag("ash/CooldownStore")<CooldownStore, CooldownStoreService>() {
  static Live: Layer.Layer<CooldownStore, never, Redis> = Layer.effect(
    CooldownStore,
    Effect.map(Redis, (redis) => ({
      acquire: (r) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const entry = encodeEntry({ severity: r.severity, alertId: r.alertId, until: now + r.cooldownMs })
          const reply = yield* redis.script(
            acquireScript,
            [redis.key(Keys.cooldown(r.guildId, r.memberId))],
            [entry, r.severity, r.bypass ? "1" : "0", Math.max(1, r.cooldownMs)],
          )
          if (reply === "acquired") return { _tag: "Acquired" } as const
          // A value we cannot read must not suppress a crisis alert: treat it as no cooldown.
          return Option.match(toEntry(reply), {
            onNone: () => ({ _tag: "Acquired" }) as const,
            onSome: (held) => ({ _tag: "Held", entry: held }) as const,
          })
        }),
      release: (guildId, memberId, alertId) =>
        redis
          .script(releaseScript, [redis.key(Keys.cooldown(guildId, memberId))], [alertId])
          .pipe(Effect.asVoid),
      current: (guildId, memberId) =>
        redis
          .run("cooldown.get", (c) => c.get(redis.key(Keys.cooldown(guildId, memberId))))
          .pipe(Effect.map((raw) => (raw === null ? Option.none() : toEntry(raw)))),
    })),
  )

  static Memory: Layer.Layer<CooldownStore> = Layer.effect(
    CooldownStore,
    Effect.map(Ref.make(new Map<string, CooldownEntry>()), (ref) => {
      const live = (m: Map<string, CooldownEntry>, key: string, now: number) => {
        const entry = m.get(key)
        return entry !== undefined && entry.until > now ? entry : undefined
      }
      return {
        acquire: (r) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Ref.modify(ref, (m): [CooldownDecision, Map<string, CooldownEntry>] => {
              const key = Keys.cooldown(r.guildId, r.memberId)
              const held = live(m, key, now)
              if (held !== undefined && !r.bypass && !isAbove(r.severity, held.severity)) {
                return [{ _tag: "Held", entry: held }, m]
              }
              const entry = { severity: r.severity, alertId: r.alertId, until: now + r.cooldownMs }
              return [{ _tag: "Acquired" }, new Map(m).set(key, entry)]
            }),
          ),
        release: (guildId, memberId, alertId) =>
          Ref.update(ref, (m) => {
            const key = Keys.cooldown(guildId, memberId)
            if (m.get(key)?.alertId !== alertId) return m
            const next = new Map(m)
            next.delete(key)
            return next
          }),
        current: (guildId, memberId) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.map(Ref.get(ref), (m) =>
              Option.fromNullable(live(m, Keys.cooldown(guildId, memberId), now)),
            ),
          ),
      }
    }),
  )
}
