/**
 * Messages kept while the NLP cannot analyse them, shared by every bot process and surviving a
 * restart or a crash: ordered by the time the member wrote them, dropped when too old, re-analysed
 * by one process at a time (the holder of the recovery lease). Also the outage's announcements,
 * so that the CRT hears "degraded" and "restored" once per outage, whichever process saw it.
 */
import { Clock, Context, Effect, Either, Layer, Option, Ref, Schema } from "effect"
import { IntakeMessage } from "../core/Intake.js"
import { Keys } from "./Keys.js"
import { luaScript, Redis, type RedisError } from "./Redis.js"

export interface BufferLimits {
  /** At most this many messages; beyond it the oldest are dropped and counted. */
  readonly max: number
  /** Kept at most this long after the member wrote it (Redis expires the rest by itself). */
  readonly maxAgeMs: number
}

/** What an outage cost: messages dropped over the buffer's limit, and messages too old to analyse. */
export interface Lost {
  readonly overflow: number
  readonly expired: number
}

export interface OutageBufferService {
  /** Keep a message; returns how many older ones were dropped to stay within `max`. */
  readonly keep: (message: IntakeMessage, limits: BufferLimits) => Effect.Effect<number, RedisError>
  /** The message written first among those kept. A record that does not decode is removed and logged. */
  readonly oldest: Effect.Effect<Option.Option<IntakeMessage>, RedisError>
  /** Forget a message without analysing it (given up, or unreadable in Redis). */
  readonly remove: (messageId: string) => Effect.Effect<void, RedisError>
  /**
   * Forget a message that was analysed, and refuse to keep it again for `rememberMs`: a keep that
   * ran out of time but reached Redis late must not bring it back.
   */
  readonly analysed: (messageId: string, now: number, rememberMs: number) => Effect.Effect<void, RedisError>
  /** Drop the messages written before `cutoff` (too old to analyse); returns how many. */
  readonly expire: (cutoff: number) => Effect.Effect<number, RedisError>
  readonly size: Effect.Effect<number, RedisError>
  /**
   * Whether a message written before `sentAt` is kept. Asked after a message was analysed: a yes
   * also records that the NLP answers again (see `answering`).
   */
  readonly waitingBefore: (sentAt: number) => Effect.Effect<boolean, RedisError>
  /** Whether an outage was announced and has not ended. */
  readonly announced: Effect.Effect<boolean, RedisError>
  /** Whether an analysis succeeded lately while messages were kept, and clear that mark. */
  readonly takeAnswering: Effect.Effect<boolean, RedisError>
  /** Take the recovery lease for `ttlMs`, or renew it when `owner` already holds it. */
  readonly lease: (owner: string, ttlMs: number) => Effect.Effect<boolean, RedisError>
  readonly releaseLease: (owner: string) => Effect.Effect<void, RedisError>
  /**
   * Whether a "degraded" notice is due for a message written at `sentAt`: the first of an outage,
   * then one per `windowMs`. A message written before the last outage ended belongs to that one,
   * and announces nothing.
   */
  readonly noticeDue: (now: number, windowMs: number, sentAt: number) => Effect.Effect<boolean, RedisError>
  /**
   * End the announced outage: what it lost, to the one caller that ended it; none when no outage
   * was announced (or another process ended it first).
   */
  readonly endOutage: (now: number) => Effect.Effect<Option.Option<Lost>, RedisError>
}

/** How long an outage's losses are kept for its "restored" notice, however long it lasts. */
const LOST_KEEP_MS = 7 * 86_400_000

/** How long "the NLP answers again" is remembered without a recovery to use it. */
const ANSWERING_MS = 60_000

const encode = Schema.encodeSync(Schema.parseJson(IntakeMessage))
const decode = Schema.decodeUnknownEither(Schema.parseJson(IntakeMessage))

/** Removes `ids` from the order (KEYS[1]) and the messages (KEYS[2]), 1000 at a time (Lua's unpack limit). */
const REMOVE_IDS = `local function remove_ids(ids)
  for i = 1, #ids, 1000 do
    local chunk = { unpack(ids, i, math.min(i + 999, #ids)) }
    redis.call('ZREM', KEYS[1], unpack(chunk))
    redis.call('HDEL', KEYS[2], unpack(chunk))
  end
end
`

/** KEYS: order, messages, lost, done. A message already analysed (in `done`) is not kept again. */
const keepScript = luaScript(
  "nlp_buffer.keep",
  `${REMOVE_IDS}if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if over > 0 then
  remove_ids(redis.call('ZRANGE', KEYS[1], 0, over - 1))
  redis.call('HINCRBY', KEYS[3], 'overflow', over)
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
else
  over = 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return over`,
)

/** KEYS: order, messages, lost. */
const expireScript = luaScript(
  "nlp_buffer.expire",
  `${REMOVE_IDS}local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if #ids > 0 then
  remove_ids(ids)
  redis.call('HINCRBY', KEYS[3], 'expired', #ids)
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return #ids`,
)

/** KEYS: order, messages, done. The message is forgotten, and remembered as analysed for a while. */
const analysedScript = luaScript(
  "nlp_buffer.analysed",
  `redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (tonumber(ARGV[2]) - tonumber(ARGV[3])))
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return 1`,
)

const oldestScript = luaScript(
  "nlp_buffer.oldest",
  `local ids = redis.call('ZRANGE', KEYS[1], 0, 0)
if #ids == 0 then return false end
return { ids[1], redis.call('HGET', KEYS[2], ids[1]) or '' }`,
)

const waitingScript = luaScript(
  "nlp_buffer.waiting_before",
  `local n = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[1])
if n > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
return n`,
)

const leaseScript = luaScript(
  "nlp_buffer.lease",
  `local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`,
)

const releaseScript = luaScript(
  "nlp_buffer.release",
  `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`,
)

const noticeScript = luaScript(
  "nlp_outage.notice_due",
  `local restored = tonumber(redis.call('GET', KEYS[3]) or '-1')
if redis.call('EXISTS', KEYS[1]) == 0 and tonumber(ARGV[3]) < restored then return 0 end
if tonumber(ARGV[1]) < tonumber(redis.call('GET', KEYS[2]) or '-1') then return 0 end
redis.call('SET', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[2]), 'PX', ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
return 1`,
)

const endScript = luaScript(
  "nlp_outage.end",
  `if redis.call('DEL', KEYS[1]) == 0 then return false end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], ARGV[1])
local lost = redis.call('HGETALL', KEYS[4])
redis.call('DEL', KEYS[4])
return lost`,
)

/** A `[field, value, …]` reply of HGETALL as the outage's losses. */
const lostOf = (reply: ReadonlyArray<unknown>): Lost => {
  const fields = new Map<string, number>()
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), Number(reply[i + 1]))
  return { overflow: fields.get("overflow") ?? 0, expired: fields.get("expired") ?? 0 }
}

type KeyOf = (name: keyof typeof Keys.nlpBuffer) => string

/** The recovery lease and the outage's announcements, in Redis. */
const liveOutage = (
  redis: Redis["Type"],
  k: KeyOf,
): Pick<OutageBufferService, "lease" | "releaseLease" | "noticeDue" | "endOutage"> => ({
  lease: (owner, ttlMs) =>
    Effect.map(redis.script(leaseScript, [k("lease")], [owner, Math.max(1, ttlMs)]), (r) => Number(r) === 1),
  releaseLease: (owner) => Effect.asVoid(redis.script(releaseScript, [k("lease")], [owner])),
  noticeDue: (now, windowMs, sentAt) =>
    Effect.map(
      redis.script(
        noticeScript,
        [k("announced"), k("noticed"), k("restoredAt")],
        [now, Math.max(1, windowMs), sentAt],
      ),
      (r) => Number(r) === 1,
    ),
  endOutage: (now) =>
    Effect.map(
      redis.script(endScript, [k("announced"), k("noticed"), k("restoredAt"), k("lost")], [now]),
      (reply) => (Array.isArray(reply) ? Option.some(lostOf(reply)) : Option.none()),
    ),
})

const makeLive = Effect.gen(function* () {
  const redis = yield* Redis
  const k: KeyOf = (name) => redis.key(Keys.nlpBuffer[name])
  const buffer = [k("order"), k("messages"), k("lost")]
  const analysedKeys = [k("order"), k("messages"), k("done")]
  const remove = (messageId: string) =>
    redis
      .run("nlp_buffer.remove", (c) =>
        c.multi().zrem(k("order"), messageId).hdel(k("messages"), messageId).exec(),
      )
      .pipe(Effect.asVoid)
  const oldest: OutageBufferService["oldest"] = Effect.gen(function* () {
    const reply = yield* redis.script(oldestScript, [k("order"), k("messages")], [])
    if (!Array.isArray(reply)) return Option.none()
    const [id, json] = reply.map(String)
    const decoded = decode(json ?? "")
    if (Either.isRight(decoded)) return Option.some(decoded.right)
    yield* Effect.logError(
      `kept message ${id} unreadable in Redis, dropped: ${decoded.left.message.slice(0, 200)}`,
    )
    yield* remove(id ?? "")
    return yield* oldest
  })
  return {
    keep: (message, limits) =>
      Effect.map(
        redis.script(
          keepScript,
          [...buffer, k("done")],
          [
            message.messageId,
            message.sentAt,
            encode(message),
            limits.max,
            Math.max(1, limits.maxAgeMs),
            LOST_KEEP_MS,
          ],
        ),
        Number,
      ),
    oldest,
    remove,
    analysed: (messageId, now, rememberMs) =>
      Effect.asVoid(redis.script(analysedScript, analysedKeys, [messageId, now, Math.max(1, rememberMs)])),
    expire: (cutoff) => Effect.map(redis.script(expireScript, buffer, [cutoff, LOST_KEEP_MS]), Number),
    announced: redis
      .run("nlp_outage.announced", (c) => c.exists(k("announced")))
      .pipe(Effect.map((n) => n > 0)),
    size: redis.run("nlp_buffer.size", (c) => c.zcard(k("order"))),
    waitingBefore: (sentAt) =>
      Effect.map(
        redis.script(waitingScript, [k("order"), k("answering")], [sentAt, ANSWERING_MS]),
        (n) => Number(n) > 0,
      ),
    takeAnswering: redis
      .run("nlp_buffer.answering", (c) => c.getdel(k("answering")))
      .pipe(Effect.map((v) => v !== null)),
    ...liveOutage(redis, k),
  } satisfies OutageBufferService
})

interface MemoryState {
  readonly kept: ReadonlyArray<IntakeMessage>
  /** Analysed messages and until when they are not kept again. */
  readonly done: ReadonlyMap<string, number>
  readonly lost: Lost
  readonly lease: { readonly owner: string; readonly until: number } | null
  readonly answering: boolean
  readonly announced: boolean
  readonly noticedUntil: number
  readonly restoredAt: number
}

const EMPTY: MemoryState = {
  kept: [],
  done: new Map(),
  lost: { overflow: 0, expired: 0 },
  lease: null,
  answering: false,
  announced: false,
  noticedUntil: Number.NEGATIVE_INFINITY,
  restoredAt: Number.NEGATIVE_INFINITY,
}

/** Written first first; the message id breaks ties, as Redis orders equal scores. */
const byWritten = (a: IntakeMessage, b: IntakeMessage) =>
  a.sentAt - b.sentAt || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0)

type Modify = <A>(f: (s: MemoryState) => readonly [A, MemoryState]) => Effect.Effect<A>

/** The outage's announcements, as the Redis scripts keep them. */
const memoryNotices = (modify: Modify): Pick<OutageBufferService, "noticeDue" | "endOutage"> => ({
  noticeDue: (now, windowMs, sentAt) =>
    modify((s) => {
      if (!s.announced && sentAt < s.restoredAt) return [false, s]
      if (now < s.noticedUntil) return [false, s]
      return [true, { ...s, announced: true, noticedUntil: now + windowMs }]
    }),
  endOutage: (now) =>
    modify((s) =>
      s.announced
        ? [
            Option.some(s.lost),
            {
              ...s,
              announced: false,
              noticedUntil: Number.NEGATIVE_INFINITY,
              restoredAt: now,
              lost: EMPTY.lost,
            },
          ]
        : [Option.none(), s],
    ),
})

const makeMemory = (clock: Effect.Effect<number>) =>
  Effect.map(Ref.make(EMPTY), (state): OutageBufferService => {
    const modify: Modify = (f) =>
      Ref.modify(state, (s) => {
        const [a, next] = f(s)
        return [a, next]
      })
    return {
      keep: (message, limits) =>
        modify((s) => {
          if (s.done.has(message.messageId)) return [0, s]
          const kept = [...s.kept.filter((m) => m.messageId !== message.messageId), message].sort(byWritten)
          const over = Math.max(0, kept.length - limits.max)
          const lost = { ...s.lost, overflow: s.lost.overflow + over }
          return [over, { ...s, kept: kept.slice(over), lost }]
        }),
      oldest: Effect.map(Ref.get(state), (s) => Option.fromNullable(s.kept[0])),
      remove: (id) => Ref.update(state, (s) => ({ ...s, kept: s.kept.filter((m) => m.messageId !== id) })),
      analysed: (id, now, rememberMs) =>
        Ref.update(state, (s) => {
          const done = new Map([...s.done].filter(([, until]) => until > now)).set(id, now + rememberMs)
          return { ...s, kept: s.kept.filter((m) => m.messageId !== id), done }
        }),
      announced: Effect.map(Ref.get(state), (s) => s.announced),
      expire: (cutoff) =>
        modify((s) => {
          const fresh = s.kept.filter((m) => m.sentAt >= cutoff)
          const expired = s.kept.length - fresh.length
          return [expired, { ...s, kept: fresh, lost: { ...s.lost, expired: s.lost.expired + expired } }]
        }),
      size: Effect.map(Ref.get(state), (s) => s.kept.length),
      waitingBefore: (sentAt) =>
        modify((s) => {
          const waiting = s.kept.some((m) => m.sentAt < sentAt)
          return [waiting, waiting ? { ...s, answering: true } : s]
        }),
      takeAnswering: modify((s) => [s.answering, { ...s, answering: false }]),
      lease: (owner, ttlMs) =>
        Effect.flatMap(clock, (now) =>
          modify((s) => {
            const held = s.lease !== null && s.lease.until > now && s.lease.owner !== owner
            return held ? [false, s] : [true, { ...s, lease: { owner, until: now + ttlMs } }]
          }),
        ),
      releaseLease: (owner) =>
        Ref.update(state, (s) => (s.lease?.owner === owner ? { ...s, lease: null } : s)),
      ...memoryNotices(modify),
    }
  })

export class OutageBuffer extends Context.Tag("ash/OutageBuffer")<OutageBuffer, OutageBufferService>() {
  static Live: Layer.Layer<OutageBuffer, never, Redis> = Layer.effect(OutageBuffer, makeLive)

  /** In process memory, for tests; it keeps nothing across a restart of the test's layer. */
  static Memory: Layer.Layer<OutageBuffer> = Layer.effect(OutageBuffer, makeMemory(Clock.currentTimeMillis))
}
