import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Schedule } from "effect"
import { recompute, toFields } from "../../src/core/DailyAggregate.js"
import { createAlert, type LifecycleEvent } from "../../src/core/Lifecycle.js"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { Redis } from "../../src/shell/Redis.js"
import { alertId, policy } from "../support/alerts.js"
import { prng, randomEvent, randomNewAlerts } from "../support/randomAlerts.js"
import { type RedisServer, startRedisServer } from "../support/redisServer.js"
import { redisStoresOn } from "../support/stores.js"

let server: RedisServer

beforeAll(async () => {
  server = await startRedisServer({ aof: true })
})

afterAll(async () => {
  await server.stop()
})

describe("AlertStore across a Redis crash (AOF, fsync always)", () => {
  it("keeps every event acknowledged to the caller, and counters equal the recomputation", async () => {
    const layer = redisStoresOn(
      Redis.layer({ url: server.url, password: Option.none(), keyPrefix: "crash:", commandTimeoutMs: 1_000 }),
    )
    const random = prng(42)
    const alerts = randomNewAlerts(200, random)
    const events: ReadonlyArray<{ id: (typeof alerts)[number]["id"]; event: LifecycleEvent }> = Array.from(
      { length: 1_000 },
      (_, i) => ({
        id: alerts[Math.floor(random() * alerts.length)]?.id ?? alertId(i),
        event: randomEvent(random),
      }),
    )
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const ctx = yield* Layer.build(layer)
          const run = <A, E>(effect: Effect.Effect<A, E, AlertStore>) =>
            Effect.runPromise(Effect.provide(effect, ctx))
          yield* Effect.promise(() =>
            run(
              Effect.forEach(alerts, (n) =>
                Effect.flatMap(AlertStore, (s) => s.create(createAlert(n, policy))),
              ),
            ),
          )
          const applied: Array<{ id: (typeof alerts)[number]["id"]; version: number }> = []
          let failed = 0
          let crashed = false
          for (const [i, { id, event }] of events.entries()) {
            if (i === 400) {
              // Crash mid-run, come back five seconds later on the same port with the AOF.
              yield* Effect.promise(() => server.crash())
              crashed = true
              setTimeout(() => void server.restart(), 5_000)
            }
            const outcome = yield* Effect.promise(() =>
              run(Effect.either(Effect.flatMap(AlertStore, (s) => s.apply(id, event)))),
            )
            if (Either.isRight(outcome)) applied.push({ id, version: outcome.right.alert.version })
            else if (outcome.left._tag === "RedisError") failed++
            else expect(["EventRejected"]).toContain(outcome.left._tag)
          }
          expect(crashed).toBe(true)
          // The outage was felt (some events failed loudly), and the run carried on afterwards.
          expect(failed).toBeGreaterThan(0)
          expect(applied.length).toBeGreaterThan(100)
          // Commands fail at once while Redis is down: the reads wait for it to be back.
          const stored = yield* Effect.promise(() =>
            run(
              Effect.forEach(alerts, (n) => Effect.flatMap(AlertStore, (s) => s.get(n.id))).pipe(
                Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("20 seconds"))),
              ),
            ),
          )
          const byId = new Map(stored.flatMap(Option.toArray).map((a) => [a.id, a]))
          expect(byId.size).toBe(alerts.length)
          // Every event reported as applied is there: the stored version is at least the one we were told.
          for (const { id, version } of applied) {
            expect(byId.get(id)?.version ?? -1).toBeGreaterThanOrEqual(version)
          }
          const expected = recompute(byId.values())
          const days = [...expected.keys()].sort()
          const actual = yield* Effect.promise(() => run(Effect.flatMap(AlertStore, (s) => s.daily(days))))
          for (const { day, aggregate } of actual) {
            expect(toFields(aggregate)).toEqual(toFields(expected.get(day) ?? aggregate))
          }
        }),
      ),
    )
  }, 60_000)
})
