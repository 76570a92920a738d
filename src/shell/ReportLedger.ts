/**
 * Which weekly reports were posted, so that each week's is posted exactly once across processes
 * and restarts: a claim taken before posting (it runs out if its process dies), released when the
 * post fails so that another try can win, and the record of the post.
 */
import { Context, Effect, Layer, Option } from "effect"
import { expiringValues } from "./ExpiringValues.js"
import { Keys } from "./Keys.js"
import { luaScript, Redis, type RedisError } from "./Redis.js"

/** How long a posted report is remembered (longer than any week a bot could be down and miss). */
const POSTED_MS = 400 * 86_400_000

export interface ReportLedgerService {
  /** Take the week's report to post, for `leaseMs`: false when it is posted or another process holds it. */
  readonly claim: (week: string, owner: string, leaseMs: number) => Effect.Effect<boolean, RedisError>
  /** The week's report is posted (the claim becomes the record). */
  readonly posted: (week: string, at: number) => Effect.Effect<void, RedisError>
  /** The post failed: the claim is given up, if `owner` still holds it. */
  readonly release: (week: string, owner: string) => Effect.Effect<void, RedisError>
  /** When the week's report was posted, if it was. */
  readonly postedAt: (week: string) => Effect.Effect<Option.Option<number>, RedisError>
}

const claimValue = (owner: string) => `claimed:${owner}`
const postedValue = (at: number) => `posted:${at}`
const postedAtOf = (raw: string | null | undefined): Option.Option<number> =>
  raw?.startsWith("posted:") === true ? Option.some(Number(raw.slice("posted:".length))) : Option.none()

const RELEASE = luaScript(
  "report.release",
  `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`,
)

export class ReportLedger extends Context.Tag("ash/ReportLedger")<ReportLedger, ReportLedgerService>() {
  static Live: Layer.Layer<ReportLedger, never, Redis> = Layer.effect(
    ReportLedger,
    Effect.map(Redis, (redis) => ({
      claim: (week, owner, leaseMs) =>
        redis
          .run("report.claim", (c) =>
            c.set(redis.key(Keys.weeklyReport(week)), claimValue(owner), "PX", leaseMs, "NX"),
          )
          .pipe(Effect.map((reply) => reply === "OK")),
      posted: (week, at) =>
        redis
          .run("report.posted", (c) =>
            c.set(redis.key(Keys.weeklyReport(week)), postedValue(at), "PX", POSTED_MS),
          )
          .pipe(Effect.asVoid),
      release: (week, owner) =>
        redis.script(RELEASE, [redis.key(Keys.weeklyReport(week))], [claimValue(owner)]).pipe(Effect.asVoid),
      postedAt: (week) =>
        redis
          .run("report.postedAt", (c) => c.get(redis.key(Keys.weeklyReport(week))))
          .pipe(Effect.map(postedAtOf)),
    })),
  )

  static Memory: Layer.Layer<ReportLedger> = Layer.effect(
    ReportLedger,
    Effect.gen(function* () {
      const values = yield* expiringValues
      const get = (week: string) =>
        Effect.map(values.getMany([Keys.weeklyReport(week)]), ([raw]) => raw ?? null)
      return {
        claim: (week, owner, leaseMs) =>
          Effect.gen(function* () {
            if ((yield* get(week)) !== null) return false
            yield* values.set(Keys.weeklyReport(week), claimValue(owner), leaseMs)
            return true
          }),
        posted: (week, at) => values.set(Keys.weeklyReport(week), postedValue(at), POSTED_MS),
        release: (week, owner) =>
          Effect.gen(function* () {
            if ((yield* get(week)) === claimValue(owner)) yield* values.delete(Keys.weeklyReport(week))
          }),
        postedAt: (week) => Effect.map(get(week), postedAtOf),
      }
    }),
  )
}
