import { Effect, Layer, Option } from "effect"
import type { Redis as IORedis } from "ioredis"
import { FIELD, toFields } from "../src/core/DailyAggregate.js"
import { createAlert, type LifecycleEvent } from "../src/core/Lifecycle.js"
import { AlertStore } from "../src/shell/AlertStore.js"
import { Keys } from "../src/shell/Keys.js"
import { Redis } from "../src/shell/Redis.js"
import { policy } from "../test/support/alerts.js"
import { prng, randomNewAlerts } from "../test/support/randomAlerts.js"
import { startRedisServer } from "../test/support/redisServer.js"
import { fortnightOfAggregates, summaryFrom } from "./core.js"
import { type Figures, medianMsAsync, round } from "./Figures.js"

const CONCURRENCY = 64

const LIFECYCLE: ReadonlyArray<LifecycleEvent> = [
  { _tag: "Acknowledge", by: "crt-1" },
  { _tag: "RequestAshContact", by: "crt-1" },
  { _tag: "AshContactMade", via: "dm", threadId: null },
  { _tag: "FirstResponse", by: "crt-2", detection: "thread_message" },
  { _tag: "Resolve", by: "crt-2" },
]

/** Calls of the commands a client issues for an event (reads and scripts), from INFO commandstats. */
const clientCalls = async (client: IORedis): Promise<number> => {
  const info = await client.info("commandstats")
  let calls = 0
  for (const line of info.split("\n")) {
    const match = /^cmdstat_(hgetall|evalsha|eval|get):calls=(\d+)/.exec(line.trim())
    if (match?.[2] !== undefined) calls += Number(match[2])
  }
  return calls
}

/** Runs `work` over `items` on `CONCURRENCY` concurrent workers. */
const workers = async <T>(items: ReadonlyArray<T>, work: (item: T) => Promise<unknown>) => {
  const queue = items.values()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = queue.next(); next.done !== true; next = queue.next()) await work(next.value)
    }),
  )
}

/** The bot's Redis service on a benchmark's own redis-server, without a key prefix. */
export const benchRedis = (url: string) =>
  Redis.layer({ url, password: Option.none(), keyPrefix: "", commandTimeoutMs: 5_000 })

export const storeBenchmarks = async (): Promise<Figures> => {
  const server = await startRedisServer()
  try {
    const layer = AlertStore.layer().pipe(Layer.provideMerge(benchRedis(server.url)))
    return await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const ctx = yield* Layer.build(layer)
          const { client } = yield* Effect.provide(Redis, ctx)
          const store = yield* Effect.provide(AlertStore, ctx)
          const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

          // Plain SET through the same client and concurrency: the machine's ceiling for the ratio.
          const sets = 50_000
          const setMs = yield* Effect.promise(() =>
            medianMsAsync(3, () =>
              workers(
                Array.from({ length: sets }, (_, i) => i),
                (i) => client.set(`bench:set:${i % 1_000}`, "x"),
              ),
            ),
          )

          // 64 concurrent lifecycles over one connection: create, then five events each.
          const alerts = randomNewAlerts(6_400, prng(7), 0, 14)
          yield* Effect.promise(() =>
            workers(alerts, (alert) => run(store.create(createAlert(alert, policy)))),
          )
          const before = yield* Effect.promise(() => clientCalls(client))
          const start = performance.now()
          yield* Effect.promise(() =>
            workers(alerts, async (alert) => {
              for (const event of LIFECYCLE) await run(store.apply(alert.id, event))
            }),
          )
          const eventMs = performance.now() - start
          const events = alerts.length * LIFECYCLE.length
          const after = yield* Effect.promise(() => clientCalls(client))

          // The weekly summary read from Redis: 14 daily hashes, pipelined, then summarised.
          const summaryMs = (alertCount: number, prefix: string) =>
            Effect.gen(function* () {
              const days = fortnightOfAggregates(alertCount)
              // As the store keeps them: the counters in one hash, the per-hour histograms in another.
              for (const { day, aggregate } of days) {
                const fields = Object.entries(toFields(aggregate))
                const counters = fields.filter(([f]) => !FIELD.isHourly(f))
                const hours = fields.filter(([f]) => FIELD.isHourly(f))
                if (counters.length > 0)
                  yield* Effect.promise(() =>
                    client.hset(`${prefix}${Keys.daily(day)}`, Object.fromEntries(counters)),
                  )
                if (hours.length > 0)
                  yield* Effect.promise(() =>
                    client.hset(`${prefix}${Keys.dailyHours(day)}`, Object.fromEntries(hours)),
                  )
              }
              const reader = yield* Effect.provide(
                AlertStore,
                yield* Layer.build(readerLayer(server.url, prefix)),
              )
              return yield* Effect.promise(() =>
                medianMsAsync(51, () =>
                  run(
                    reader.daily(
                      days.map((d) => d.day),
                      { hours: false },
                    ),
                  ).then(summaryFrom),
                ),
              )
            })
          const small = yield* summaryMs(1_000, "s1k:")
          const large = yield* summaryMs(100_000, "s100k:")
          return {
            "store.events_per_sec": { value: Math.round(events / (eventMs / 1_000)), unit: "events/s" },
            "store.roundtrips_per_event": { value: round((after - before) / events), unit: "round trips" },
            "redis.raw_set_per_sec": { value: Math.round(sets / (setMs / 1_000)), unit: "SET/s" },
            "store.summary_ms_1k_alerts": { value: round(small), unit: "ms" },
            "store.summary_ms_100k_alerts": { value: round(large), unit: "ms" },
          } satisfies Figures
        }),
      ),
    )
  } finally {
    await server.stop()
  }
}

/** An AlertStore on its own connection, reading keys under `prefix`. */
const readerLayer = (url: string, prefix: string) =>
  AlertStore.layer().pipe(
    Layer.provide(Redis.layer({ url, password: Option.none(), keyPrefix: prefix, commandTimeoutMs: 5_000 })),
  )
