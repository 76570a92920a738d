/**
 * Writing a posted alert's record. The alert is already in front of the CRT: a store that does not
 * answer within `RECORD_BUDGET` must neither hold up the next message nor lose the record. Such a
 * record waits in a bounded in-process queue, and one background fiber writes it, with back-off,
 * as soon as the store answers again. Until it is written, a press on the alert is told so.
 */
import { Effect, Queue, Ref, Schedule } from "effect"
import type { AlertId } from "../../core/Alert.js"
import type { Transition } from "../../core/Lifecycle.js"
import type { AlertAlreadyExists, AlertStore } from "../../shell/AlertStore.js"
import { RedisError } from "../../shell/Redis.js"
import { RECORD_BUDGET } from "../runtime/Budgets.js"

/** How many posted alerts may wait for their record; beyond it the oldest is given up, loudly. */
const RECORDING_MAX = 1_000

/** Between attempts at the waiting records: 250 ms doubling, at most 5 s apart. */
const BACKOFF = Schedule.exponential("250 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))

interface Unrecorded {
  readonly created: Transition
  /** The store did not take it in time: the background writer owns it. */
  readonly queued: boolean
}

type Unrecords = ReadonlyMap<AlertId, Unrecorded>

const without = (m: Unrecords, id: AlertId): Unrecords => {
  const next = new Map(m)
  next.delete(id)
  return next
}

/** The map with `id` queued, and the oldest queued ids beyond the limit taken out. */
const enqueue = (m: Unrecords, id: AlertId, created: Transition): [ReadonlyArray<AlertId>, Unrecords] => {
  const next = new Map(m).set(id, { created, queued: true })
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
  /** Whether the alert's record is still being written (in flight, or waiting for the store). */
  readonly has: (alertId: AlertId) => Effect.Effect<boolean>
  /** Write the record; `recorded` runs once it is written, now or later. */
  readonly create: (created: Transition) => Effect.Effect<void, AlertAlreadyExists>
}

export const makeRecording = (
  store: AlertStore["Type"],
  recorded: (created: Transition) => Effect.Effect<void>,
) =>
  Effect.gen(function* () {
    const unrecorded = yield* Ref.make<Unrecords>(new Map())
    const done = (created: Transition) =>
      Effect.zipRight(
        Ref.update(unrecorded, (m) => without(m, created.alert.id)),
        recorded(created),
      )
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
        const dropped = yield* Ref.modify(unrecorded, (m) => enqueue(m, id, created))
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
        yield* Ref.update(unrecorded, (m) => new Map(m).set(id, { created, queued: false }))
        const written = yield* store.create(created).pipe(
          Effect.timeoutFail({
            duration: RECORD_BUDGET,
            onTimeout: () => new RedisError({ operation: "alert create", cause: "no answer in time" }),
          }),
          Effect.either,
        )
        if (written._tag === "Right") return yield* done(created)
        if (written.left._tag === "RedisError") return yield* queue(created, written.left)
        yield* Ref.update(unrecorded, (m) => without(m, id))
        return yield* written.left
      })
    return {
      has: (alertId) => Effect.map(Ref.get(unrecorded), (m) => m.has(alertId)),
      create,
    } satisfies Recording
  })
