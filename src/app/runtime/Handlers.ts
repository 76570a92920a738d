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
    // Offered but not finished: queued plus in progress.
    let outstanding = 0
    const serve = Queue.take(queue).pipe(
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
    yield* Effect.forkScoped(
      Effect.all(
        Array.from({ length: workers }, () => serve),
        { concurrency: "unbounded" },
      ),
    )
    yield* Effect.addFinalizer(() => awaitDrained(what, () => outstanding, grace))
    return {
      offer: (item: A): void => {
        outstanding += 1
        Queue.unsafeOffer(queue, item)
      },
      outstanding: Effect.sync(() => outstanding),
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
