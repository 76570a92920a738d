import { Context, Effect, Layer, Ref } from "effect"
import { Keys } from "./Keys.js"
import { Redis, type RedisError } from "./Redis.js"

/**
 * What happened to messages that never became an alert for a reason the CRT must be able to see:
 * the NLP's unreadable or refused replies, messages lost to a full or stale outage buffer, and
 * alerts no channel would take. Kept per UTC day in `ash:metrics:intake:{YYYY-MM-DD}`.
 */
export const INTAKE_COUNTERS = [
  "nlp_malformed_count",
  "nlp_rejected_count",
  "nlp_buffered_count",
  "nlp_buffer_overflow_count",
  "nlp_buffer_expired_count",
  "nlp_unanalysable_count",
  "alert_post_failed_count",
] as const
export type IntakeCounter = (typeof INTAKE_COUNTERS)[number]

export type IntakeCounts = Readonly<Record<IntakeCounter, number>>

export interface IntakeCountersService {
  readonly count: (day: string, counter: IntakeCounter, by?: number) => Effect.Effect<void, RedisError>
  readonly read: (day: string) => Effect.Effect<IntakeCounts, RedisError>
}

const zero = (): Record<IntakeCounter, number> =>
  Object.fromEntries(INTAKE_COUNTERS.map((c) => [c, 0])) as Record<IntakeCounter, number>

/** Anything but a whole non-negative number reads as 0: a counter must never stop the bot. */
const countsOf = (fields: Readonly<Record<string, string>>): IntakeCounts => {
  const counts = zero()
  for (const counter of INTAKE_COUNTERS) {
    const n = Number(fields[counter] ?? "0")
    counts[counter] = Number.isSafeInteger(n) && n >= 0 ? n : 0
  }
  return counts
}

export class IntakeCounters extends Context.Tag("ash/IntakeCounters")<
  IntakeCounters,
  IntakeCountersService
>() {
  static layer(retentionMs: number): Layer.Layer<IntakeCounters, never, Redis> {
    return Layer.effect(
      IntakeCounters,
      Effect.map(Redis, (redis) => ({
        count: (day, counter, by = 1) =>
          redis
            .run("intake.count", (c) => {
              const key = redis.key(Keys.intake(day))
              return c.multi().hincrby(key, counter, by).pexpire(key, retentionMs).exec()
            })
            .pipe(Effect.asVoid),
        read: (day) =>
          redis.run("intake.read", (c) => c.hgetall(redis.key(Keys.intake(day)))).pipe(Effect.map(countsOf)),
      })),
    )
  }

  static Memory: Layer.Layer<IntakeCounters> = Layer.effect(
    IntakeCounters,
    Effect.map(Ref.make(new Map<string, IntakeCounts>()), (days) => ({
      count: (day, counter, by = 1) =>
        Ref.update(days, (m) => {
          const current = m.get(day) ?? zero()
          return new Map(m).set(day, { ...current, [counter]: current[counter] + by })
        }),
      read: (day) => Effect.map(Ref.get(days), (m) => m.get(day) ?? zero()),
    })),
  )
}
