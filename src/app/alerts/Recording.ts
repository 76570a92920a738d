/**
 * Writing a posted alert's record. The alert is already in front of the CRT: a store that does not
 * answer within `RECORD_BUDGET` must neither hold up the next message nor lose the record. Such a
 * record waits in a bounded in-process queue, and one background fiber writes it, with back-off,
 * as soon as the store answers again. A press on the alert meanwhile waits a moment for the
 * record, then is told it is still being recorded.
 */
import { Deferred, Effect, Option, Queue, Ref, Schedule } from "effect"
import type { AlertId } from "../../core/Alert.js"
import type { Transition } from "../../core/Lifecycle.js"
import type { AlertAlreadyExists, AlertStore } from "../../shell/AlertStore.js"
import { RedisError } from "../../shell/Redis.js"
import { RECORD_BUDGET } from "../runtime/Budgets.js"

/** How many posted alerts may wait for their record; beyond it the oldest is given up, loudly. */
const RECORDING_MAX = 1_000

/** How long a press waits for a record being written before it is told to try again. */
const PRESS_WAIT = "2 seconds"

/** Between attempts at the waiting records: 250 ms doubling, at most 5 s apart. */
const BACKOFF = Schedule.exponential("250 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))

interface Unrecorded {
  readonly created: Transition
  /** The store did not take it in time: the background writer owns it. */
  readonly queued: boolean
  /** Completed once the record is written. */
  readonly written: Deferred.Deferred<void>
}

type Unrecords = ReadonlyMap<AlertId, Unrecorded>

const without = (m: Unrecords, id: AlertId): Unrecords => {
  const next = new Map(m)
  next.delete(id)
  return next
}

/** The map with `id` queued, and the oldest queued ids beyond the limit taken out. */
const enqueue = (m: Unrecords, id: AlertId): [ReadonlyArray<AlertId>, Unrecords] => {
  const entry = m.get(id)
  const next = entry === undefined ? new Map(m) : new Map(m).set(id, { ...entry, queued: true })
  const over = [...next.keys()].slice(0, Math.max(0, next.size - RECORDING_MAX))
  for (const dropped of over) next.delete(dropped)
  return [over, next]
}

/** The background writer of queued records, woken by each record that waits (no polling). */
const startWriter = (
  unrecorded: Ref.Ref<Unrecords>,
  writeLater: (created: Transition) => Effect.Effect<void, RedisError>,
) =>
  Effect.gen(function* () {
    const writeQueued = Effect.flatMap(Ref.get(unrecorded), (m) =>
      Effect.forEach(
        [...m.values()].filter((u) => u.queued),
        (u) => writeLater(u.created),
        { discard: true },
      ),
    )
    const wake = yield* Queue.sliding<void>(1)
    yield* Queue.take(wake).pipe(
      Effect.zipRight(writeQueued.pipe(Effect.retry(BACKOFF))),
      Effect.forever,
      Effect.forkScoped,
    )
    return wake
  })

const logLeftAtShutdown = (unrecorded: Ref.Ref<Unrecords>) =>
  Effect.flatMap(Ref.get(unrecorded), (m) =>
    m.size === 0
      ? Effect.void
      : Effect.logError(`${m.size} posted alert(s) never recorded at shutdown: ${[...m.keys()].join(", ")}`),
  )

export interface Recording {
  /**
   * Whether the alert is on record as far as this process knows: true at once when no record of
   * it is being written, else once it is written, or false after a short wait.
   */
  readonly settled: (alertId: AlertId) => Effect.Effect<boolean>
  /**
   * Write the record; `recorded` runs once it is written, now or later. True when it was written
   * now, false when it waits for the store.
   */
  readonly create: (created: Transition) => Effect.Effect<boolean, AlertAlreadyExists>
}

export const makeRecording = (
  store: AlertStore["Type"],
  recorded: (created: Transition) => Effect.Effect<void>,
) =>
  Effect.gen(function* () {
    const unrecorded = yield* Ref.make<Unrecords>(new Map())
    const done = (created: Transition) =>
      Effect.gen(function* () {
        const id = created.alert.id
        const entry = yield* Ref.modify(unrecorded, (m) => [m.get(id), without(m, id)] as const)
        if (entry !== undefined) yield* Deferred.succeed(entry.written, undefined)
        yield* recorded(created)
      })
    const writeLater = (created: Transition) =>
      store.create(created).pipe(
        // Written after all: the command that ran out of time reached the store later.
        Effect.catchTag("AlertAlreadyExists", () => Effect.void),
        Effect.zipRight(Effect.logInfo(`alert ${created.alert.id} recorded now that the store answers`)),
        Effect.zipRight(done(created)),
      )
    const wake = yield* startWriter(unrecorded, writeLater)
    yield* Effect.addFinalizer(() => logLeftAtShutdown(unrecorded))
    const queue = (created: Transition, cause: RedisError) =>
      Effect.gen(function* () {
        const id = created.alert.id
        const dropped = yield* Ref.modify(unrecorded, (m) => enqueue(m, id))
        yield* Queue.offer(wake, undefined)
        yield* Effect.logError(
          `alert ${id} posted but not recorded (${cause.message}); recording it as soon as the store answers`,
        )
        if (dropped.length > 0)
          yield* Effect.logError(
            `ALERT RECORDS GIVEN UP (over ${RECORDING_MAX} waiting): ${dropped.join(", ")}`,
          )
      })
    const create = (created: Transition) =>
      Effect.gen(function* () {
        const id = created.alert.id
        const written = yield* Deferred.make<void>()
        yield* Ref.update(unrecorded, (m) => new Map(m).set(id, { created, queued: false, written }))
        const attempt = yield* store.create(created).pipe(
          Effect.timeoutFail({
            duration: RECORD_BUDGET,
            onTimeout: () => new RedisError({ operation: "alert create", cause: "no answer in time" }),
          }),
          Effect.either,
        )
        if (attempt._tag === "Right") return yield* Effect.as(done(created), true)
        if (attempt.left._tag === "RedisError") return yield* Effect.as(queue(created, attempt.left), false)
        yield* Ref.update(unrecorded, (m) => without(m, id))
        return yield* attempt.left
      })
    return {
      settled: (alertId) =>
        Effect.flatMap(Ref.get(unrecorded), (m) => {
          const entry = m.get(alertId)
          if (entry === undefined) return Effect.succeed(true)
          return Deferred.await(entry.written).pipe(
            Effect.timeout(PRESS_WAIT),
            Effect.option,
            Effect.map(Option.isSome),
          )
        }),
      create,
    } satisfies Recording
  })
