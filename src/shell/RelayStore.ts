/**
 * The conversation relays: which staff thread a member's DMs go to, and which member a staff
 * thread answers. Ids and times only — what the member and the CRT write stays in Discord.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { AlertId, Snowflake } from "../core/Alert.js"
import { expiringValues } from "./ExpiringValues.js"
import { Keys } from "./Keys.js"
import { luaScript, Redis, type RedisError } from "./Redis.js"

/** One relay: an alert's staff thread and the member it talks to. */
export const Relay = Schema.Struct({
  alertId: AlertId,
  guildId: Snowflake,
  memberId: Snowflake,
  /** The staff thread, started on the alert message (so it has the alert message's id). */
  threadId: Snowflake,
  alertChannelId: Snowflake,
  /**
   * Who began the conversation: Ash reaching out, or a member writing to Ash on an open alert
   * (`ash`: their first message pings the CRT), or the member's message opening the alert itself
   * (`member`: that alert's post pinged already).
   */
  startedBy: Schema.Literal("ash", "member"),
  openedAt: Schema.Number,
  /** When the relay was closed (the alert resolved or expired); null while it is open. */
  closedAt: Schema.NullOr(Schema.Number),
})
export type Relay = typeof Relay.Type

const RelayJson = Schema.parseJson(Relay)
const decodeRelay = Schema.decodeUnknownOption(RelayJson)
const encodeRelay = Schema.encodeSync(RelayJson)

/** What the bot knows when the member writes: whether it is their first message, and whether a person answered. */
export interface MemberWrote {
  readonly first: boolean
  readonly answered: boolean
}

export interface RelayStoreService {
  /** Open (or move) the member's relay to `relay`'s thread, for `ttlMs`. */
  readonly open: (relay: Relay, ttlMs: number) => Effect.Effect<void, RedisError>
  /** The member's open relay. A record that does not decode reads as none (and is logged). */
  readonly byMember: (memberId: string) => Effect.Effect<Option.Option<Relay>, RedisError>
  /** The relay a staff thread belongs to, open or closed. */
  readonly byThread: (threadId: string) => Effect.Effect<Option.Option<Relay>, RedisError>
  /** The member wrote on the alert's relay: whether for the first time, and whether a person has answered. */
  readonly memberWrote: (alertId: AlertId, ttlMs: number) => Effect.Effect<MemberWrote, RedisError>
  /** A CRT member's message reached the member. */
  readonly answered: (alertId: AlertId, ttlMs: number) => Effect.Effect<void, RedisError>
  /** Close the relay: the member's key is dropped if it still names this alert; the thread stays known, closed. */
  readonly close: (relay: Relay, closedAt: number, ttlMs: number) => Effect.Effect<void, RedisError>
  /**
   * Take a message (a member's DM, a staff thread message) to relay: true for the one process
   * that takes it, so that several processes receiving the same event relay it once. Asked again
   * by its owner (a retry after a lost reply), the claim is still theirs.
   */
  readonly claim: (messageId: string, owner: string, ttlMs: number) => Effect.Effect<boolean, RedisError>
}

const read = (what: string, raw: string | null | undefined): Effect.Effect<Option.Option<Relay>> => {
  if (raw === null || raw === undefined) return Effect.succeed(Option.none())
  const relay = decodeRelay(raw)
  return Option.isSome(relay)
    ? Effect.succeed(relay)
    : Effect.as(Effect.logError(`relay record ${what} unreadable in Redis: ignored`), Option.none())
}

/** Drop the member's relay key only while it names this alert (a newer relay may have replaced it). */
const CLOSE = luaScript(
  "relay.close",
  `local current = redis.call('GET', KEYS[1])
if current then
  local ok, relay = pcall(cjson.decode, current)
  if not ok or type(relay) ~= 'table' or relay.alertId == ARGV[1] then redis.call('DEL', KEYS[1]) end
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`,
)

/** The claim is taken, or was taken before by the same owner. */
const CLAIM = luaScript(
  "relay.claim",
  `if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0`,
)

export class RelayStore extends Context.Tag("ash/RelayStore")<RelayStore, RelayStoreService>() {
  static Live: Layer.Layer<RelayStore, never, Redis> = Layer.effect(
    RelayStore,
    Effect.map(Redis, (redis) => ({
      open: (relay, ttlMs) =>
        redis
          .run("relay.open", (c) =>
            c
              .multi()
              .set(redis.key(Keys.relay.member(relay.memberId)), encodeRelay(relay), "PX", ttlMs)
              .set(redis.key(Keys.relay.thread(relay.threadId)), encodeRelay(relay), "PX", ttlMs)
              .exec(),
          )
          .pipe(Effect.asVoid),
      byMember: (memberId) =>
        redis
          .run("relay.byMember", (c) => c.get(redis.key(Keys.relay.member(memberId))))
          .pipe(Effect.flatMap((raw) => read(`of member ${memberId}`, raw))),
      byThread: (threadId) =>
        redis
          .run("relay.byThread", (c) => c.get(redis.key(Keys.relay.thread(threadId))))
          .pipe(Effect.flatMap((raw) => read(`of thread ${threadId}`, raw))),
      memberWrote: (alertId, ttlMs) =>
        redis
          .run("relay.memberWrote", (c) =>
            c
              .multi()
              .set(redis.key(Keys.relay.memberWrote(alertId)), "1", "PX", ttlMs, "NX")
              .exists(redis.key(Keys.relay.answered(alertId)))
              .exec(),
          )
          .pipe(
            Effect.map((results) => ({
              first: results?.[0]?.[1] === "OK",
              answered: results?.[1]?.[1] === 1,
            })),
          ),
      answered: (alertId, ttlMs) =>
        redis
          .run("relay.answered", (c) => c.set(redis.key(Keys.relay.answered(alertId)), "1", "PX", ttlMs))
          .pipe(Effect.asVoid),
      close: (relay, closedAt, ttlMs) =>
        redis
          .script(
            CLOSE,
            [redis.key(Keys.relay.member(relay.memberId)), redis.key(Keys.relay.thread(relay.threadId))],
            [relay.alertId, encodeRelay({ ...relay, closedAt }), ttlMs],
          )
          .pipe(Effect.asVoid),
      claim: (messageId, owner, ttlMs) =>
        redis
          .script(CLAIM, [redis.key(Keys.relay.claim(messageId))], [owner, ttlMs])
          .pipe(Effect.map((reply) => reply === 1)),
    })),
  )

  static Memory: Layer.Layer<RelayStore> = Layer.effect(
    RelayStore,
    Effect.gen(function* () {
      const values = yield* expiringValues
      const get = (key: string) => Effect.map(values.getMany([key]), ([raw]) => raw ?? null)
      return {
        open: (relay, ttlMs) =>
          Effect.zipRight(
            values.set(Keys.relay.member(relay.memberId), encodeRelay(relay), ttlMs),
            values.set(Keys.relay.thread(relay.threadId), encodeRelay(relay), ttlMs),
          ),
        byMember: (memberId) =>
          Effect.flatMap(get(Keys.relay.member(memberId)), (raw) => read(`of member ${memberId}`, raw)),
        byThread: (threadId) =>
          Effect.flatMap(get(Keys.relay.thread(threadId)), (raw) => read(`of thread ${threadId}`, raw)),
        memberWrote: (alertId, ttlMs) =>
          Effect.gen(function* () {
            const first = (yield* get(Keys.relay.memberWrote(alertId))) === null
            if (first) yield* values.set(Keys.relay.memberWrote(alertId), "1", ttlMs)
            return { first, answered: (yield* get(Keys.relay.answered(alertId))) !== null }
          }),
        answered: (alertId, ttlMs) => values.set(Keys.relay.answered(alertId), "1", ttlMs),
        close: (relay, closedAt, ttlMs) =>
          Effect.gen(function* () {
            const current = Option.flatMap(
              Option.fromNullable(yield* get(Keys.relay.member(relay.memberId))),
              decodeRelay,
            )
            if (Option.exists(current, (r) => r.alertId === relay.alertId))
              yield* values.delete(Keys.relay.member(relay.memberId))
            yield* values.set(Keys.relay.thread(relay.threadId), encodeRelay({ ...relay, closedAt }), ttlMs)
          }),
        claim: (messageId, owner, ttlMs) =>
          Effect.gen(function* () {
            const current = yield* get(Keys.relay.claim(messageId))
            if (current !== null) return current === owner
            yield* values.set(Keys.relay.claim(messageId), owner, ttlMs)
            return true
          }),
      }
    }),
  )
}
