import { Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { AlertId } from "../core/Alert.js"
import { TIMER_KINDS, type TimerKind } from "../core/Lifecycle.js"
import { Keys } from "./Keys.js"
import { luaScript, Redis, type RedisError } from "./Redis.js"

/** A timer handed to one caller. It stays leased until `leaseUntil`; then another caller may take it. */
export interface ClaimedTimer {
  readonly kind: TimerKind
  readonly alertId: AlertId
  readonly leaseUntil: number
}

const TimerMember = Schema.TemplateLiteralParser(Schema.Literal(...TIMER_KINDS), ":", AlertId)

/** The sorted-set member naming one alert's timer. */
export const timerMember = (kind: TimerKind, alertId: AlertId): string => `${kind}:${alertId}`

const decodeMember = Schema.decodeUnknownOption(TimerMember)

export interface TimerStoreService {
  readonly schedule: (alertId: AlertId, kind: TimerKind, dueAt: number) => Effect.Effect<void, RedisError>
  readonly cancel: (alertId: AlertId, kind: TimerKind) => Effect.Effect<void, RedisError>
  /**
   * Hand out up to `limit` timers due at `now`, each to exactly one caller, leased for `leaseMs`.
   * A caller that dies leaves its timers to be claimed again when the lease runs out.
   */
  readonly claimDue: (
    now: number,
    limit: number,
    leaseMs: number,
  ) => Effect.Effect<ReadonlyArray<ClaimedTimer>, RedisError>
  /** Remove a fired timer, unless it was re-claimed or re-scheduled since. */
  readonly complete: (timer: ClaimedTimer) => Effect.Effect<boolean, RedisError>
  /** When a timer is due (or leased until), if it exists. */
  readonly dueAt: (alertId: AlertId, kind: TimerKind) => Effect.Effect<Option.Option<number>, RedisError>
}

const claimScript = luaScript(
  "timers.claim",
  `local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[3], member)
end
return due`,
)

const completeScript = luaScript(
  "timers.complete",
  `local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0`,
)

const toClaims = (members: ReadonlyArray<unknown>, leaseUntil: number): ReadonlyArray<ClaimedTimer> =>
  members.flatMap((member) =>
    Option.match(decodeMember(member), {
      onNone: () => [],
      onSome: ([kind, , alertId]) => [{ kind, alertId, leaseUntil }],
    }),
  )

const isArray = (u: unknown): u is ReadonlyArray<unknown> => Array.isArray(u)

/** Due times of every alert timer, in one sorted set shared by all bot processes. */
export class TimerStore extends Context.Tag("ash/TimerStore")<TimerStore, TimerStoreService>() {
  static Live: Layer.Layer<TimerStore, never, Redis> = Layer.effect(
    TimerStore,
    Effect.map(Redis, (redis) => {
      const key = redis.key(Keys.timers)
      return {
        schedule: (alertId, kind, dueAt) =>
          redis
            .run("timers.schedule", (c) => c.zadd(key, dueAt, timerMember(kind, alertId)))
            .pipe(Effect.asVoid),
        cancel: (alertId, kind) =>
          redis.run("timers.cancel", (c) => c.zrem(key, timerMember(kind, alertId))).pipe(Effect.asVoid),
        claimDue: (now, limit, leaseMs) =>
          redis
            .script(claimScript, [key], [now, limit, now + leaseMs])
            .pipe(Effect.map((reply) => (isArray(reply) ? toClaims(reply, now + leaseMs) : []))),
        complete: (timer) =>
          redis
            .script(completeScript, [key], [timerMember(timer.kind, timer.alertId), timer.leaseUntil])
            .pipe(Effect.map((reply) => reply === 1)),
        dueAt: (alertId, kind) =>
          redis
            .run("timers.dueAt", (c) => c.zscore(key, timerMember(kind, alertId)))
            .pipe(Effect.map((score) => (score === null ? Option.none() : Option.some(Number(score))))),
      }
    }),
  )

  static Memory: Layer.Layer<TimerStore> = Layer.effect(
    TimerStore,
    Effect.map(Ref.make(new Map<string, number>()), (ref) => ({
      schedule: (alertId, kind, dueAt) =>
        Ref.update(ref, (m) => new Map(m).set(timerMember(kind, alertId), dueAt)),
      cancel: (alertId, kind) =>
        Ref.update(ref, (m) => {
          const next = new Map(m)
          next.delete(timerMember(kind, alertId))
          return next
        }),
      claimDue: (now, limit, leaseMs) =>
        Ref.modify(ref, (m) => {
          const due = [...m.entries()]
            .filter(([, at]) => at <= now)
            .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
            .slice(0, limit)
            .map(([member]) => member)
          const next = new Map(m)
          for (const member of due) next.set(member, now + leaseMs)
          return [toClaims(due, now + leaseMs), next]
        }),
      complete: (timer) =>
        Ref.modify(ref, (m) => {
          const member = timerMember(timer.kind, timer.alertId)
          if (m.get(member) !== timer.leaseUntil) return [false, m]
          const next = new Map(m)
          next.delete(member)
          return [true, next]
        }),
      dueAt: (alertId, kind) =>
        Effect.map(Ref.get(ref), (m) => Option.fromNullable(m.get(timerMember(kind, alertId)))),
    })),
  )
}
