/**
 * Where a CRT member's message can be a first response: each member's open alert (with the channel
 * it came from) and each private support thread's alert. A message is matched in one round trip.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { AlertId } from "../core/Alert.js"
import type { ResponseCandidates, ResponseLookup, WatchedAlert } from "../core/FirstResponse.js"
import { expiringValues } from "./ExpiringValues.js"
import { Keys } from "./Keys.js"
import { Redis, type RedisError } from "./Redis.js"

const Watched = Schema.parseJson(Schema.Struct({ alertId: AlertId, sourceChannelId: Schema.String }))
const decodeWatched = Schema.decodeUnknownOption(Watched)
const encodeWatched = Schema.encodeSync(Watched)
const decodeAlertId = Schema.decodeUnknownOption(AlertId)

export interface ResponseIndexService {
  /** The member's open alert, kept for `ttlMs` (the alert's lifetime); a newer alert replaces it. */
  readonly watchMember: (
    guildId: string,
    memberId: string,
    watched: WatchedAlert,
    ttlMs: number,
  ) => Effect.Effect<void, RedisError>
  /** The alert a private support thread was opened for. */
  readonly watchThread: (threadId: string, alertId: AlertId, ttlMs: number) => Effect.Effect<void, RedisError>
  /** The open alert of a member, if any. */
  readonly openAlert: (
    guildId: string,
    memberId: string,
  ) => Effect.Effect<Option.Option<WatchedAlert>, RedisError>
  /** The alerts a message could respond to, in one round trip. A record that does not decode is skipped. */
  readonly lookup: (
    guildId: string,
    candidates: ResponseCandidates,
  ) => Effect.Effect<ResponseLookup, RedisError>
}

const keysOf = (guildId: string, c: ResponseCandidates): ReadonlyArray<string> => [
  Keys.supportThread(c.threadId),
  ...c.memberIds.map((id) => Keys.openAlert(guildId, id)),
]

/** The lookup from the raw values of `keysOf`, in the same order. */
const lookupOf = (c: ResponseCandidates, values: ReadonlyArray<string | null>): ResponseLookup => {
  const [thread, ...members] = values
  const found = new Map<string, WatchedAlert>()
  members.forEach((raw, i) => {
    const id = c.memberIds[i]
    if (raw === null || raw === undefined || id === undefined) return
    Option.map(decodeWatched(raw), (w) => found.set(id, w))
  })
  return {
    thread: thread === null || thread === undefined ? null : Option.getOrNull(decodeAlertId(thread)),
    members: found,
  }
}

export class ResponseIndex extends Context.Tag("ash/ResponseIndex")<ResponseIndex, ResponseIndexService>() {
  static Live: Layer.Layer<ResponseIndex, never, Redis> = Layer.effect(
    ResponseIndex,
    Effect.map(Redis, (redis) => ({
      watchMember: (guildId, memberId, watched, ttlMs) =>
        redis
          .run("responses.watchMember", (c) =>
            c.set(redis.key(Keys.openAlert(guildId, memberId)), encodeWatched(watched), "PX", ttlMs),
          )
          .pipe(Effect.asVoid),
      watchThread: (threadId, alertId, ttlMs) =>
        redis
          .run("responses.watchThread", (c) =>
            c.set(redis.key(Keys.supportThread(threadId)), alertId, "PX", ttlMs),
          )
          .pipe(Effect.asVoid),
      openAlert: (guildId, memberId) =>
        redis
          .run("responses.openAlert", (c) => c.get(redis.key(Keys.openAlert(guildId, memberId))))
          .pipe(Effect.map((raw) => (raw === null ? Option.none() : decodeWatched(raw)))),
      lookup: (guildId, candidates) =>
        redis
          .run("responses.lookup", (c) => c.mget(...keysOf(guildId, candidates).map(redis.key)))
          .pipe(Effect.map((values) => lookupOf(candidates, values))),
    })),
  )

  static Memory: Layer.Layer<ResponseIndex> = Layer.effect(
    ResponseIndex,
    Effect.gen(function* () {
      const { set, getMany: get } = yield* expiringValues
      return {
        watchMember: (guildId, memberId, watched, ttlMs) =>
          set(Keys.openAlert(guildId, memberId), encodeWatched(watched), ttlMs),
        watchThread: (threadId, alertId, ttlMs) => set(Keys.supportThread(threadId), alertId, ttlMs),
        openAlert: (guildId, memberId) =>
          Effect.map(get([Keys.openAlert(guildId, memberId)]), ([raw]) =>
            raw === null || raw === undefined ? Option.none() : decodeWatched(raw),
          ),
        lookup: (guildId, candidates) =>
          Effect.map(get(keysOf(guildId, candidates)), (values) => lookupOf(candidates, values)),
      }
    }),
  )
}
