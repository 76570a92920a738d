import { Chunk, Clock, Context, Data, Effect, Either, Layer, Option, Ref, Schema, Stream } from "effect"
import { Alert, type AlertId, stateOf } from "../core/Alert.js"
import {
  type AggregateDelta,
  applyDelta,
  type DailyAggregate,
  deltaBetween,
  FIELD,
  fromFields,
} from "../core/DailyAggregate.js"
import {
  type LifecycleEffect,
  type LifecycleEvent,
  type Rejection,
  type Transition,
  transition,
} from "../core/Lifecycle.js"
import { defaultRetention, Keys, type Retention } from "./Keys.js"
import { luaScript, Redis, type RedisError } from "./Redis.js"
import { TimerStore, timerMember } from "./TimerStore.js"

export class AlertNotFound extends Data.TaggedError("AlertNotFound")<{ readonly alertId: string }> {}

export class AlertAlreadyExists extends Data.TaggedError("AlertAlreadyExists")<{
  readonly alertId: string
}> {}

/** A stored value that does not decode: logged and reported, never overwritten. */
export class CorruptRecord extends Data.TaggedError("CorruptRecord")<{
  readonly key: string
  readonly detail: string
}> {}

/** The lifecycle refused the event; `rejection` says why (and who/when where that applies). */
export class EventRejected extends Data.TaggedError("EventRejected")<{ readonly rejection: Rejection }> {}

/** Other writers kept changing the alert; the event was not applied. */
export class TooManyConflicts extends Data.TaggedError("TooManyConflicts")<{
  readonly alertId: string
  readonly attempts: number
}> {}

export type ApplyError = AlertNotFound | CorruptRecord | EventRejected | TooManyConflicts | RedisError

export interface AlertStoreService {
  /** Store a new alert, count it once in its day, and schedule its timers. */
  readonly create: (created: Transition) => Effect.Effect<void, AlertAlreadyExists | RedisError>
  readonly get: (alertId: AlertId) => Effect.Effect<Option.Option<Alert>, CorruptRecord | RedisError>
  readonly getByMessageId: (
    alertMessageId: string,
  ) => Effect.Effect<Option.Option<Alert>, CorruptRecord | RedisError>
  /**
   * Apply a lifecycle event atomically: the alert, the day's counters and the timers change
   * together or not at all. Concurrent writers are resolved by version (compare-and-set).
   */
  readonly apply: (alertId: AlertId, event: LifecycleEvent) => Effect.Effect<Transition, ApplyError>
  /**
   * The daily aggregates of the given days, in order (an absent day is empty); with `hours:
   * false`, without the per-hour histograms (the report's numbers do not need them).
   */
  readonly daily: (
    days: ReadonlyArray<string>,
    options?: { readonly hours?: boolean },
  ) => Effect.Effect<
    ReadonlyArray<{ readonly day: string; readonly aggregate: DailyAggregate }>,
    CorruptRecord | RedisError
  >
  /**
   * The alerts created on a day (their `day`), oldest first, read a page at a time so that a
   * long export never holds every alert at once. A corrupt record is logged and left out.
   */
  readonly alertsOn: (day: string) => Stream.Stream<Alert, RedisError>
  /**
   * Adds every alert on record to its day's index, once per Redis (records written before the
   * index existed); the number added, 0 when it was done before. Safe to run in several processes.
   */
  readonly indexDays: () => Effect.Effect<number, RedisError>
}

/** How many alerts one read of `alertsOn` brings. */
export const ALERT_PAGE = 500

/** How many times a conflicting write is re-read and re-decided before giving up. */
export const MAX_ATTEMPTS = 8

const decodeAlert = Schema.decodeUnknownEither(Alert)

/**
 * The record as JSON. An alert's encoded form is its type with every field present (the
 * milestones' defaults only fill in fields missing from older records), so JSON.stringify is its
 * encoder; a test pins that equivalence.
 */
export const encodeAlertJson = (alert: Alert): string => JSON.stringify(alert)

const decodeAlertJson = (json: string): Either.Either<Alert, string> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    return Either.left("record is not JSON")
  }
  return Either.mapLeft(decodeAlert(parsed), (error) => error.message)
}

/** Timer changes an effect list asks for, as sorted-set additions and removals. */
const timerChanges = (alertId: AlertId, effects: ReadonlyArray<LifecycleEffect>) => {
  const add: Array<readonly [number, string]> = []
  const remove: Array<string> = []
  for (const effect of effects) {
    if (effect._tag === "ScheduleTimer") add.push([effect.dueAt, timerMember(effect.kind, alertId)])
    if (effect._tag === "CancelTimer") remove.push(timerMember(effect.kind, alertId))
  }
  return { add, remove }
}

/**
 * The alert hash: `version` and `record` (the authoritative JSON), plus plain fields an operator
 * reading Redis understands; the fixed ones are written once, at creation.
 */
const alertFields = (alert: Alert, record: string, creating: boolean): ReadonlyArray<string> => {
  const fields = ["version", String(alert.version), "record", record, "state", stateOf(alert)]
  if (!creating) return fields
  return [
    ...fields,
    "alert_id",
    alert.id,
    "severity",
    alert.severity,
    "alert_message_id",
    alert.origin.alertMessageId,
    "user_id",
    alert.origin.memberId,
    "alert_created_at",
    new Date(alert.createdAt).toISOString(),
  ]
}

/**
 * Records this process wrote or read lately, by their JSON. The next event on an alert usually
 * reads back exactly what was just written, and decoding a record is the costliest step of an
 * event; the same JSON always decodes to the same alert, so a hit is safe.
 */
const makeRecordCache = (size = 1_000) => {
  const byJson = new Map<string, Alert>()
  const keep = (json: string, alert: Alert): void => {
    byJson.delete(json)
    byJson.set(json, alert)
    if (byJson.size > size) {
      const oldest = byJson.keys().next()
      if (oldest.done !== true) byJson.delete(oldest.value)
    }
  }
  return {
    encode: (alert: Alert): string => {
      const json = encodeAlertJson(alert)
      keep(json, alert)
      return json
    },
    decode: (json: string): Either.Either<Alert, string> => {
      const known = byJson.get(json)
      if (known !== undefined) return Either.right(known)
      const decoded = decodeAlertJson(json)
      if (Either.isRight(decoded)) keep(json, decoded.right)
      return decoded
    },
  }
}

type RecordCache = ReturnType<typeof makeRecordCache>

const decodeAlertHash = (
  key: string,
  hash: Record<string, string>,
  decode: (json: string) => Either.Either<Alert, string>,
): Either.Either<Option.Option<Alert>, CorruptRecord> => {
  if (Object.keys(hash).length === 0) return Either.right(Option.none())
  const record = hash.record
  if (record === undefined) return Either.left(new CorruptRecord({ key, detail: "no record field" }))
  return Either.match(decode(record), {
    onLeft: (detail) => Either.left(new CorruptRecord({ key, detail })),
    onRight: (alert) =>
      hash.version === String(alert.version)
        ? Either.right(Option.some(alert))
        : Either.left(
            new CorruptRecord({ key, detail: `version field ${hash.version} ≠ record ${alert.version}` }),
          ),
  })
}

const decodeDaily = (
  key: string,
  hash: Record<string, string>,
): Either.Either<DailyAggregate, CorruptRecord> =>
  Either.mapLeft(fromFields(hash), (error) => new CorruptRecord({ key, detail: error.message }))

/**
 * One atomic write: check the alert's version, write it, add the counters' deltas to its day,
 * and move its timers. A new alert joins its day's index; every write keeps the index as long
 * as the record, so the index never runs out before an alert of its day. Returns
 * ok | exists | missing | conflict.
 */
const writeScript = luaScript(
  "alerts.write",
  `local expected = ARGV[1]
local current = redis.call('HGET', KEYS[1], 'version')
if expected == '' then
  if current then return 'exists' end
elseif not current then
  return 'missing'
elseif current ~= expected then
  return 'conflict'
end
local i = 6
local function list()
  local n = tonumber(ARGV[i])
  local out = {}
  for k = 1, n do out[k] = ARGV[i + k] end
  i = i + n + 1
  return out
end
local fields, incr, mins, maxs, adds, removes, hourly = list(), list(), list(), list(), list(), list(), list()
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[4], ARGV[4], 'PX', ARGV[2])
  redis.call('ZADD', KEYS[5], ARGV[5], ARGV[4])
end
redis.call('PEXPIRE', KEYS[5], ARGV[2])
for k = 1, #incr, 2 do redis.call('HINCRBY', KEYS[2], incr[k], incr[k + 1]) end
if #mins + #maxs > 0 then
  local names = {}
  for k = 1, #mins, 2 do table.insert(names, mins[k]) end
  for k = 1, #maxs, 2 do table.insert(names, maxs[k]) end
  local now = redis.call('HMGET', KEYS[2], unpack(names))
  local set, j = {}, 1
  for k = 1, #mins, 2 do
    local v = tonumber(mins[k + 1])
    if not now[j] or v < tonumber(now[j]) then table.insert(set, mins[k]); table.insert(set, v) end
    j = j + 1
  end
  for k = 1, #maxs, 2 do
    local v = tonumber(maxs[k + 1])
    if not now[j] or v > tonumber(now[j]) then table.insert(set, maxs[k]); table.insert(set, v) end
    j = j + 1
  end
  if #set > 0 then redis.call('HSET', KEYS[2], unpack(set)) end
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
for k = 1, #hourly, 2 do redis.call('HINCRBY', KEYS[6], hourly[k], hourly[k + 1]) end
if #hourly > 0 then redis.call('PEXPIRE', KEYS[6], ARGV[3]) end
if #adds > 0 then redis.call('ZADD', KEYS[3], unpack(adds)) end
if #removes > 0 then redis.call('ZREM', KEYS[3], unpack(removes)) end
return 'ok'`,
)

const pairs = (record: Readonly<Record<string, number>>): ReadonlyArray<string | number> => {
  const out: Array<string | number> = []
  for (const [field, value] of Object.entries(record)) out.push(field, value)
  return out
}

const writeArgs = (
  expectedVersion: string,
  retention: Retention,
  lookupValue: string,
  alert: Alert,
  record: string,
  delta: AggregateDelta,
  effects: ReadonlyArray<LifecycleEffect>,
): ReadonlyArray<string | number> => {
  const fields = alertFields(alert, record, expectedVersion === "")
  const changed = Object.entries(delta.incr).filter(([, n]) => n !== 0)
  const incr = Object.fromEntries(changed.filter(([f]) => !FIELD.isHourly(f)))
  const hourly = Object.fromEntries(changed.filter(([f]) => FIELD.isHourly(f)))
  const timers = timerChanges(alert.id, effects)
  const sections = [
    fields,
    pairs(incr),
    pairs(delta.min),
    pairs(delta.max),
    timers.add.flat(),
    timers.remove,
    pairs(hourly),
  ]
  return [
    expectedVersion,
    retention.alertMs,
    retention.dailyMs,
    lookupValue,
    alert.createdAt,
    ...sections.flatMap((section) => [section.length, ...section]),
  ]
}

type Attempt = { readonly _tag: "Done"; readonly transition: Transition } | { readonly _tag: "Conflict" }

/** Read, decide, compare-and-set; on a conflict read again, a bounded number of times. */
const applyWith = (
  read: (alertId: AlertId) => Effect.Effect<Option.Option<Alert>, CorruptRecord | RedisError>,
  write: (before: Alert, next: Transition) => Effect.Effect<Attempt, RedisError>,
) =>
  Effect.fn("AlertStore.apply")(function* (alertId: AlertId, event: LifecycleEvent) {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const found = yield* read(alertId)
      if (Option.isNone(found)) return yield* new AlertNotFound({ alertId })
      const now = yield* Clock.currentTimeMillis
      const decided = transition(found.value, event, now)
      if (Either.isLeft(decided)) return yield* new EventRejected({ rejection: decided.left })
      const result = yield* write(found.value, decided.right)
      if (result._tag === "Done") return result.transition
    }
    return yield* new TooManyConflicts({ alertId, attempts: MAX_ATTEMPTS })
  })

type RedisService = Redis["Type"]

const keysFor = (redis: RedisService, alert: Alert) => [
  redis.key(Keys.alert(alert.id)),
  redis.key(Keys.daily(alert.day)),
  redis.key(Keys.timers),
  redis.key(Keys.alertLookup(alert.origin.alertMessageId)),
  redis.key(Keys.dayAlerts(alert.day)),
  redis.key(Keys.dailyHours(alert.day)),
]

const redisGet = (redis: RedisService, records: RecordCache) => (alertId: AlertId) => {
  const key = redis.key(Keys.alert(alertId))
  return redis
    .run("alerts.get", (c) => c.hgetall(key))
    .pipe(Effect.flatMap((hash) => decodeAlertHash(key, hash, records.decode)))
}

/** The write script for `next`, checked against `expectedVersion` ("" for a new alert). */
const redisWrite = (
  redis: RedisService,
  records: RecordCache,
  retention: Retention,
  expectedVersion: string,
  before: Alert | null,
  next: Transition,
) =>
  redis.script(
    writeScript,
    keysFor(redis, next.alert),
    writeArgs(
      expectedVersion,
      retention,
      before === null ? next.alert.id : "",
      next.alert,
      records.encode(next.alert),
      deltaBetween(before, next.alert),
      next.effects,
    ),
  )

const redisLookup = (redis: RedisService, records: RecordCache) => (alertMessageId: string) => {
  const key = redis.key(Keys.alertLookup(alertMessageId))
  return redis
    .run("alerts.lookup", (c) => c.get(key))
    .pipe(
      Effect.flatMap((id) =>
        id === null
          ? Effect.succeed(Option.none())
          : Either.match(Schema.decodeUnknownEither(Alert.fields.id)(id), {
              onLeft: () => Effect.fail(new CorruptRecord({ key, detail: `not an alert id: ${id}` })),
              onRight: redisGet(redis, records),
            }),
      ),
    )
}

/** The day's hashes (counters, and the per-hour histograms unless told not to) in one pipeline. */
const redisDaily =
  (redis: RedisService) =>
  (days: ReadonlyArray<string>, options: { readonly hours?: boolean } = {}) => {
    const keysOf = (day: string) =>
      options.hours === false
        ? [redis.key(Keys.daily(day))]
        : [redis.key(Keys.daily(day)), redis.key(Keys.dailyHours(day))]
    return redis
      .run("alerts.daily", (c) => {
        const pipeline = c.pipeline()
        for (const day of days) for (const key of keysOf(day)) pipeline.hgetall(key)
        return pipeline.exec()
      })
      .pipe(
        Effect.flatMap((replies) => {
          let at = 0
          return Effect.forEach(days, (day) => {
            const merged: Record<string, string> = {}
            for (const key of keysOf(day)) {
              const [error, hash] = replies?.[at++] ?? [new Error("no reply"), null]
              if (error !== null) return Effect.fail(new CorruptRecord({ key, detail: error.message }))
              if (!isStringRecord(hash)) return Effect.fail(new CorruptRecord({ key, detail: "not a hash" }))
              Object.assign(merged, hash)
            }
            return Effect.map(decodeDaily(redis.key(Keys.daily(day)), merged), (aggregate) => ({
              day,
              aggregate,
            }))
          })
        }),
      )
  }

const logCorrupt = (e: CorruptRecord) => Effect.logWarning(`alert left out: ${e.key}: ${e.detail}`)

/**
 * One page of a day's alerts: the ids in creation order, then their records in one round trip.
 * Decoded without the record cache: a long export would only push the alerts in use out of it.
 */
const redisAlertsPage = (redis: RedisService, day: string, start: number) =>
  Effect.gen(function* () {
    const ids = yield* redis.run("alerts.day", (c) =>
      c.zrange(redis.key(Keys.dayAlerts(day)), start, start + ALERT_PAGE - 1),
    )
    const keys = ids.map((id) => redis.key(Keys.alert(id)))
    const replies = yield* redis.run("alerts.page", (c) => {
      const pipeline = c.pipeline()
      for (const key of keys) pipeline.hgetall(key)
      return pipeline.exec()
    })
    const alerts: Array<Alert> = []
    for (const [i, key] of keys.entries()) {
      const [error, hash] = replies?.[i] ?? [new Error("no reply"), null]
      const decoded =
        error === null && isStringRecord(hash)
          ? decodeAlertHash(key, hash, decodeAlertJson)
          : Either.left(new CorruptRecord({ key, detail: error?.message ?? "not a hash" }))
      // An alert whose record ran out before the day's index is simply gone.
      if (Either.isRight(decoded)) alerts.push(...Option.toArray(decoded.right))
      else yield* logCorrupt(decoded.left)
    }
    return [
      Chunk.fromIterable(alerts),
      ids.length === ALERT_PAGE ? Option.some(start + ALERT_PAGE) : Option.none(),
    ] as const
  })

const redisAlertsOn = (redis: RedisService) => (day: string) =>
  Stream.paginateChunkEffect(0, (start: number) => redisAlertsPage(redis, day, start))

/** One SCAN batch of alert records added to their days' indexes (ZADD NX: a second run adds nothing). */
const indexBatch = (redis: RedisService, retention: Retention, keys: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const records = yield* redis.run("alerts.index.read", (c) => {
      const pipeline = c.pipeline()
      for (const key of keys) pipeline.hget(key, "record")
      return pipeline.exec()
    })
    const adds = keys.flatMap((_, i) => {
      const [error, json] = records?.[i] ?? [null, null]
      if (error !== null || typeof json !== "string") return []
      return Either.match(decodeAlertJson(json), {
        onLeft: () => [],
        onRight: (alert) => [alert],
      })
    })
    if (adds.length === 0) return 0
    yield* redis.run("alerts.index.write", (c) => {
      const pipeline = c.pipeline()
      for (const alert of adds) {
        const day = redis.key(Keys.dayAlerts(alert.day))
        pipeline.zadd(day, "NX", alert.createdAt, alert.id)
        pipeline.pexpire(day, retention.alertMs)
      }
      return pipeline.exec()
    })
    return adds.length
  })

const redisIndexDays = (redis: RedisService, retention: Retention) => () =>
  Effect.gen(function* () {
    const done = redis.key(Keys.dayAlertsBuilt)
    if ((yield* redis.run("alerts.index.done", (c) => c.exists(done))) > 0) return 0
    let cursor = "0"
    let added = 0
    do {
      const [next, keys] = yield* redis.run("alerts.index.scan", (c) =>
        c.scan(cursor, "MATCH", redis.key(Keys.alertPattern), "COUNT", 1_000),
      )
      cursor = next
      added += yield* indexBatch(redis, retention, keys)
    } while (cursor !== "0")
    yield* redis.run("alerts.index.built", (c) => c.set(done, String(added)))
    return added
  })

/** The store over Redis: one read, then one compare-and-set script per event. */
const makeRedisStore = (redis: RedisService, retention: Retention): AlertStoreService => {
  const records = makeRecordCache()
  const get = redisGet(redis, records)
  const write = (before: Alert, next: Transition) =>
    redisWrite(redis, records, retention, String(before.version), before, next).pipe(
      Effect.map(
        (reply): Attempt => (reply === "ok" ? { _tag: "Done", transition: next } : { _tag: "Conflict" }),
      ),
    )
  return {
    create: (created) =>
      redisWrite(redis, records, retention, "", null, created).pipe(
        Effect.flatMap((reply) =>
          reply === "ok" ? Effect.void : Effect.fail(new AlertAlreadyExists({ alertId: created.alert.id })),
        ),
      ),
    get,
    getByMessageId: redisLookup(redis, records),
    apply: applyWith(get, write),
    daily: redisDaily(redis),
    alertsOn: redisAlertsOn(redis),
    indexDays: redisIndexDays(redis, retention),
  }
}

/** The memory store's timer effects, carried out on the TimerStore in context. */
const memoryTimers =
  (timers: TimerStore["Type"]) => (alertId: AlertId, effects: ReadonlyArray<LifecycleEffect>) =>
    Effect.forEach(
      effects,
      (e) =>
        e._tag === "ScheduleTimer"
          ? timers.schedule(alertId, e.kind, e.dueAt)
          : e._tag === "CancelTimer"
            ? timers.cancel(alertId, e.kind)
            : Effect.void,
      { discard: true },
    )

/** The memory store's days, decoded as Redis's would be. */
const memoryDaily =
  (days: Ref.Ref<Map<string, Record<string, number>>>) =>
  (wanted: ReadonlyArray<string>, options: { readonly hours?: boolean } = {}) =>
    Effect.flatMap(Ref.get(days), (m) =>
      Effect.forEach(wanted, (day) => {
        const fields = Object.entries(m.get(day) ?? {}).filter(
          ([f]) => options.hours !== false || !FIELD.isHourly(f),
        )
        return Effect.map(
          decodeDaily(day, Object.fromEntries(fields.map(([f, v]) => [f, String(v)]))),
          (aggregate) => ({ day, aggregate }),
        )
      }),
    )

/** Alerts, their lookup by alert message, and the daily aggregates. */
export class AlertStore extends Context.Tag("ash/AlertStore")<AlertStore, AlertStoreService>() {
  static layer(retention: Retention = defaultRetention): Layer.Layer<AlertStore, never, Redis> {
    return Layer.effect(
      AlertStore,
      Effect.map(Redis, (redis) => makeRedisStore(redis, retention)),
    )
  }

  /** The same contract in process memory; timers go to the TimerStore in context. */
  static Memory: Layer.Layer<AlertStore, never, TimerStore> = Layer.effect(
    AlertStore,
    Effect.gen(function* () {
      const timers = yield* TimerStore
      const alerts = yield* Ref.make(new Map<string, Alert>())
      const lookup = yield* Ref.make(new Map<string, AlertId>())
      const days = yield* Ref.make(new Map<string, Record<string, number>>())
      const runTimers = memoryTimers(timers)
      const addToDay = (alert: Alert, delta: AggregateDelta) =>
        Ref.update(days, (m) => new Map(m).set(alert.day, applyDelta(m.get(alert.day) ?? {}, delta)))
      const get = (alertId: AlertId) =>
        Effect.map(Ref.get(alerts), (m) => Option.fromNullable(m.get(alertId)))
      const write = (before: Alert, next: Transition) =>
        Effect.gen(function* () {
          const swapped = yield* Ref.modify(alerts, (m): [boolean, Map<string, Alert>] =>
            m.get(before.id)?.version === before.version
              ? [true, new Map(m).set(before.id, next.alert)]
              : [false, m],
          )
          if (!swapped) return { _tag: "Conflict" } satisfies Attempt
          yield* addToDay(next.alert, deltaBetween(before, next.alert))
          yield* runTimers(next.alert.id, next.effects).pipe(Effect.orDie)
          return { _tag: "Done", transition: next } satisfies Attempt
        })
      return {
        create: (created) =>
          Effect.gen(function* () {
            const alert = created.alert
            const added = yield* Ref.modify(alerts, (m): [boolean, Map<string, Alert>] =>
              m.has(alert.id) ? [false, m] : [true, new Map(m).set(alert.id, alert)],
            )
            if (!added) return yield* new AlertAlreadyExists({ alertId: alert.id })
            yield* Ref.update(lookup, (m) => new Map(m).set(alert.origin.alertMessageId, alert.id))
            yield* addToDay(alert, deltaBetween(null, alert))
            yield* runTimers(alert.id, created.effects)
          }),
        get,
        getByMessageId: (alertMessageId) =>
          Effect.flatMap(Ref.get(lookup), (m) => {
            const id = m.get(alertMessageId)
            return id === undefined ? Effect.succeed(Option.none()) : get(id)
          }),
        apply: applyWith(get, write),
        daily: memoryDaily(days),
        // The memory store indexes nothing: it lists its alerts by day directly.
        indexDays: () => Effect.succeed(0),
        alertsOn: (day) =>
          Stream.unwrap(
            Effect.map(Ref.get(alerts), (m) =>
              Stream.fromIterable(
                [...m.values()].filter((a) => a.day === day).sort((a, b) => a.createdAt - b.createdAt),
              ),
            ),
          ),
      }
    }),
  )
}

const isStringRecord = (u: unknown): u is Record<string, string> =>
  typeof u === "object" && u !== null && Object.values(u).every((v) => typeof v === "string")
