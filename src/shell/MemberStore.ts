import { Clock, Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { Severity } from "../core/Severity.js"
import { expiringValues } from "./ExpiringValues.js"
import { Keys } from "./Keys.js"
import { Redis, type RedisError } from "./Redis.js"

/** One earlier flagged message of the member, sent to the NLP as context. */
export const HistoryEntry = Schema.Struct({
  messageId: Schema.String,
  message: Schema.String,
  /** Epoch milliseconds of the member's message. */
  at: Schema.Number,
  crisisScore: Schema.Number,
  severity: Severity,
})
export type HistoryEntry = typeof HistoryEntry.Type

export interface HistoryLimits {
  readonly maxEntries: number
  readonly ttlMs: number
}

export interface MemberStoreService {
  /** Keep a flagged message, capped to the newest `maxEntries`, the whole history expiring after `ttlMs`. */
  readonly addHistory: (
    guildId: string,
    memberId: string,
    entry: HistoryEntry,
    limits: HistoryLimits,
  ) => Effect.Effect<void, RedisError>
  /** The newest `limit` entries, oldest first (the order the NLP reads a trend in). */
  readonly recentHistory: (
    guildId: string,
    memberId: string,
    limit: number,
  ) => Effect.Effect<ReadonlyArray<HistoryEntry>, RedisError>
  readonly setOptOut: (guildId: string, memberId: string, ttlMs: number) => Effect.Effect<void, RedisError>
  readonly clearOptOut: (guildId: string, memberId: string) => Effect.Effect<void, RedisError>
  readonly isOptedOut: (guildId: string, memberId: string) => Effect.Effect<boolean, RedisError>
}

const decodeHistory = Schema.decodeUnknownOption(Schema.parseJson(HistoryEntry))
const encodeHistory = Schema.encodeSync(Schema.parseJson(HistoryEntry))

/** Entries that do not decode are skipped: one bad record must not hide the rest of the context. */
const decodeAll = (raw: ReadonlyArray<string>): ReadonlyArray<HistoryEntry> =>
  raw.flatMap((r) => Option.toArray(decodeHistory(r)))

/** A member's recent flagged messages and opt-out. */
export class MemberStore extends Context.Tag("ash/MemberStore")<MemberStore, MemberStoreService>() {
  static Live: Layer.Layer<MemberStore, never, Redis> = Layer.effect(
    MemberStore,
    Effect.map(Redis, (redis) => ({
      addHistory: (guildId, memberId, entry, limits) =>
        redis
          .run("member.addHistory", (c) => {
            const key = redis.key(Keys.history(guildId, memberId))
            return c
              .multi()
              .zadd(key, entry.at, encodeHistory(entry))
              .zremrangebyrank(key, 0, -(limits.maxEntries + 1))
              .pexpire(key, limits.ttlMs)
              .exec()
          })
          .pipe(Effect.asVoid),
      recentHistory: (guildId, memberId, limit) =>
        redis
          .run("member.recentHistory", (c) =>
            c.zrange(redis.key(Keys.history(guildId, memberId)), -limit, -1),
          )
          .pipe(Effect.map(decodeAll)),
      setOptOut: (guildId, memberId, ttlMs) =>
        redis
          .run("member.setOptOut", (c) => c.set(redis.key(Keys.optOut(guildId, memberId)), "1", "PX", ttlMs))
          .pipe(Effect.asVoid),
      clearOptOut: (guildId, memberId) =>
        redis
          .run("member.clearOptOut", (c) => c.del(redis.key(Keys.optOut(guildId, memberId))))
          .pipe(Effect.asVoid),
      isOptedOut: (guildId, memberId) =>
        redis
          .run("member.isOptedOut", (c) => c.exists(redis.key(Keys.optOut(guildId, memberId))))
          .pipe(Effect.map((n) => n === 1)),
    })),
  )

  static Memory: Layer.Layer<MemberStore> = Layer.effect(
    MemberStore,
    Effect.gen(function* () {
      // Values carry their expiry so the memory store expires like Redis does.
      const history = yield* Ref.make(
        new Map<string, { entries: ReadonlyArray<HistoryEntry>; until: number }>(),
      )
      const flags = yield* expiringValues
      const now = Clock.currentTimeMillis
      return {
        addHistory: (guildId, memberId, entry, limits) =>
          Effect.flatMap(now, (t) =>
            Ref.update(history, (m) => {
              const key = Keys.history(guildId, memberId)
              const current = m.get(key)
              const kept = current !== undefined && current.until > t ? current.entries : []
              const entries = [...kept, entry].sort((a, b) => a.at - b.at).slice(-limits.maxEntries)
              return new Map(m).set(key, { entries, until: t + limits.ttlMs })
            }),
          ),
        recentHistory: (guildId, memberId, limit) =>
          Effect.flatMap(now, (t) =>
            Effect.map(Ref.get(history), (m) => {
              const current = m.get(Keys.history(guildId, memberId))
              return current !== undefined && current.until > t ? current.entries.slice(-limit) : []
            }),
          ),
        setOptOut: (guildId, memberId, ttlMs) => flags.set(Keys.optOut(guildId, memberId), "1", ttlMs),
        clearOptOut: (guildId, memberId) => flags.delete(Keys.optOut(guildId, memberId)),
        isOptedOut: (guildId, memberId) =>
          Effect.map(
            flags.getMany([Keys.optOut(guildId, memberId)]),
            ([value]) => value !== null && value !== undefined,
          ),
      }
    }),
  )
}
