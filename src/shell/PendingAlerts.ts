/**
 * Alerts on their way to the CRT (see `core/PendingAlert.ts`), shared by every bot process. Each
 * carries a claim: the process that writes it holds it while it posts; once the claim has run out
 * (that process died, or Redis lost track of it), one sweeping process claims it, atomically, and
 * finishes it.
 */
import { Clock, Context, Effect, Either, Layer, Ref, Schema } from "effect"
import type { AlertId } from "../core/Alert.js"
import { PendingAlert, type PostedRef } from "../core/PendingAlert.js"
import { Keys } from "./Keys.js"
import { luaScript, Redis, type RedisError } from "./Redis.js"

export interface PendingAlertsService {
  /** Write an alert about to be posted, claimed by the caller for `claimMs`. */
  readonly put: (pending: PendingAlert, claimMs: number) => Effect.Effect<void, RedisError>
  /** The alert was posted at `ref`. */
  readonly markPosted: (alertId: AlertId, ref: PostedRef) => Effect.Effect<void, RedisError>
  /** The alert is on record: forget it (and the member's text with it). */
  readonly remove: (alertId: AlertId) => Effect.Effect<void, RedisError>
  /**
   * Claim, for `claimMs`, up to `limit` alerts whose claim has run out, oldest claim first. Each is
   * given to exactly one caller. A record that does not decode is removed and logged.
   */
  readonly claimAbandoned: (
    claimMs: number,
    limit: number,
  ) => Effect.Effect<ReadonlyArray<PendingAlert>, RedisError>
}

/** How long a pending alert outlives everything: a day is far beyond any post. */
const KEEP_MS = 86_400_000

const encode = Schema.encodeSync(Schema.parseJson(PendingAlert))
const decode = Schema.decodeUnknownEither(Schema.parseJson(PendingAlert))

const putScript = luaScript(
  "alert_pending.put",
  `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`,
)

const claimScript = luaScript(
  "alert_pending.claim",
  `local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[2], ARGV[2], id)
  table.insert(out, id)
  table.insert(out, redis.call('HGET', KEYS[1], id) or '')
end
return out`,
)

const makeLive = Effect.gen(function* () {
  const redis = yield* Redis
  const records = redis.key(Keys.pendingAlerts.records)
  const claims = redis.key(Keys.pendingAlerts.claims)
  const keys = [records, claims]
  const remove = (alertId: string) =>
    redis
      .run("alert_pending.remove", (c) => c.multi().hdel(records, alertId).zrem(claims, alertId).exec())
      .pipe(Effect.asVoid)
  const readClaimed = (reply: unknown) =>
    Effect.gen(function* () {
      const fields = Array.isArray(reply) ? reply.map(String) : []
      const claimed: Array<PendingAlert> = []
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const [id = "", json = ""] = [fields[i], fields[i + 1]]
        const decoded = decode(json)
        if (Either.isRight(decoded)) claimed.push(decoded.right)
        else {
          yield* Effect.logError(
            `pending alert ${id} unreadable in Redis, dropped: ${decoded.left.message.slice(0, 200)}`,
          )
          yield* remove(id)
        }
      }
      return claimed
    })
  return {
    put: (pending, claimMs) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        redis.script(putScript, keys, [pending.alert.id, encode(pending), now + claimMs, KEEP_MS]),
      ).pipe(Effect.asVoid),
    // Only the process holding the claim marks it: a read and a write need no script.
    markPosted: (alertId, ref) =>
      Effect.gen(function* () {
        const json = yield* redis.run("alert_pending.get", (c) => c.hget(records, alertId))
        const decoded = decode(json ?? "")
        if (Either.isLeft(decoded)) return
        const posted = encode({ ...decoded.right, posted: ref })
        yield* redis.run("alert_pending.mark_posted", (c) => c.hset(records, alertId, posted))
      }),
    remove,
    claimAbandoned: (claimMs, limit) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(redis.script(claimScript, keys, [now, now + claimMs, limit]), readClaimed),
      ),
  } satisfies PendingAlertsService
})

interface Entry {
  readonly pending: PendingAlert
  readonly claimedUntil: number
}

const makeMemory = Effect.map(Ref.make<ReadonlyMap<string, Entry>>(new Map()), (state) => {
  const update = (id: string, f: (e: Entry) => Entry) =>
    Ref.update(state, (m) => {
      const entry = m.get(id)
      return entry === undefined ? m : new Map(m).set(id, f(entry))
    })
  return {
    put: (pending, claimMs) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.update(state, (m) => new Map(m).set(pending.alert.id, { pending, claimedUntil: now + claimMs })),
      ),
    markPosted: (alertId, ref) => update(alertId, (e) => ({ ...e, pending: { ...e.pending, posted: ref } })),
    remove: (alertId) =>
      Ref.update(state, (m) => {
        const next = new Map(m)
        next.delete(alertId)
        return next
      }),
    claimAbandoned: (claimMs, limit) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.modify(state, (m): [ReadonlyArray<PendingAlert>, ReadonlyMap<string, Entry>] => {
          const due = [...m.values()]
            .filter((e) => e.claimedUntil <= now)
            .sort((a, b) => a.claimedUntil - b.claimedUntil)
            .slice(0, limit)
          const next = new Map(m)
          for (const e of due) next.set(e.pending.alert.id, { ...e, claimedUntil: now + claimMs })
          return [due.map((e) => e.pending), next]
        }),
      ),
  } satisfies PendingAlertsService
})

export class PendingAlerts extends Context.Tag("ash/PendingAlerts")<PendingAlerts, PendingAlertsService>() {
  static Live: Layer.Layer<PendingAlerts, never, Redis> = Layer.effect(PendingAlerts, makeLive)
  static Memory: Layer.Layer<PendingAlerts> = Layer.effect(PendingAlerts, makeMemory)
}
