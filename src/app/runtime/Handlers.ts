import { type Duration, Effect, FiberSet, Option, Queue, Schedule } from "effect"

/** How long in-flight handlers may run on after shutdown begins; well inside a 10 s stop budget. */
export const SHUTDOWN_GRACE: Duration.DurationInput = "5 seconds"

/**
 * A fork function for Discord event handlers, tied to the current scope. When the scope closes
 * (SIGTERM, a restart), handlers already running get `grace` to finish — an alert that is being
 * posted is also stored — before whatever is left is interrupted. Stop the event source before
 * this scope closes so no new work arrives meanwhile.
 */
export const drainingRunner = <R>(what: string, grace: Duration.DurationInput) =>
  Effect.gen(function* () {
    const running = yield* FiberSet.make()
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        const pending = yield* FiberSet.size(running)
        if (pending === 0) return
        yield* Effect.logInfo(`waiting for ${pending} ${what} to finish`)
        const drained = yield* FiberSet.awaitEmpty(running).pipe(Effect.timeoutOption(grace))
        if (Option.isNone(drained)) {
          const left = yield* FiberSet.size(running)
          yield* Effect.logWarning(`${left} ${what} still running at shutdown are interrupted`)
        }
      }),
    )
    return yield* FiberSet.runtime(running)<R>()
  })

/** Queues served by fibers, with what is offered but not finished counted for the shutdown drain. */
const servedQueues = <A, R>(
  what: string,
  queues: ReadonlyArray<Queue.Queue<A>>,
  workersPerQueue: number,
  grace: Duration.DurationInput,
  handle: (item: A) => Effect.Effect<void, never, R>,
) =>
  Effect.gen(function* () {
    // Offered but not finished: queued plus in progress.
    let outstanding = 0
    const serve = (queue: Queue.Queue<A>) =>
      Queue.take(queue).pipe(
        Effect.flatMap((item) =>
          handle(item).pipe(
            Effect.ensuring(
              Effect.sync(() => {
                outstanding -= 1
              }),
            ),
          ),
        ),
        Effect.forever,
      )
    const workers = queues.flatMap((q) => Array.from({ length: workersPerQueue }, () => serve(q)))
    yield* Effect.forkScoped(Effect.all(workers, { concurrency: "unbounded" }))
    yield* Effect.addFinalizer(() => awaitDrained(what, () => outstanding, grace))
    return {
      offer: (queue: Queue.Queue<A>, item: A): void => {
        outstanding += 1
        Queue.unsafeOffer(queue, item)
      },
      outstanding: Effect.sync(() => outstanding),
    }
  })

/**
 * A first-in, first-out queue served by `workers` fibers, for work that arrives in bursts (a busy
 * channel, a gateway replay). `offer` never blocks and never drops. When the scope closes, the
 * queue is worked off for up to `grace` (stop the source first), then the workers are interrupted
 * and whatever is left is logged as unprocessed.
 */
export const workerPool = <A, R>(
  what: string,
  workers: number,
  grace: Duration.DurationInput,
  handle: (item: A) => Effect.Effect<void, never, R>,
) =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<A>()
    const served = yield* servedQueues(what, [queue], workers, grace, handle)
    return { offer: (item: A): void => served.offer(queue, item), outstanding: served.outstanding }
  })

/**
 * Work kept in order per key over `lanes` queues, each served by one fiber: a key's items are
 * handled one after the other, and a slow item holds up only the keys of its lane. At shutdown
 * (stop the source first) all lanes are worked off together for up to `grace`.
 */
export const keyedWorkerPool = <A, R>(
  what: string,
  lanes: number,
  grace: Duration.DurationInput,
  handle: (item: A) => Effect.Effect<void, never, R>,
) =>
  Effect.gen(function* () {
    const queues = yield* Effect.all(Array.from({ length: lanes }, () => Queue.unbounded<A>()))
    const served = yield* servedQueues(what, queues, 1, grace, handle)
    return {
      offer: (key: string, item: A): void => {
        let h = 0
        for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0
        const queue = queues[h % queues.length]
        if (queue !== undefined) served.offer(queue, item)
      },
    }
  })

/**
 * At shutdown, wait up to `grace` for the work counted by `outstanding` to finish (its source
 * stopped first); what is left is logged as not processed.
 */
export const awaitDrained = (
  what: string,
  outstanding: () => number,
  grace: Duration.DurationInput,
): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (outstanding() === 0) return
    yield* Effect.logInfo(`waiting for ${outstanding()} ${what} to finish`)
    const drained = yield* Effect.sync(() => outstanding() === 0).pipe(
      Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (done) => done }),
      Effect.timeoutOption(grace),
    )
    if (Option.isNone(drained)) yield* Effect.logWarning(`${outstanding()} ${what} not processed at shutdown`)
  })
