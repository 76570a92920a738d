import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Stream } from "effect"
import { inject } from "vitest"
import type { Alert } from "../../src/core/Alert.js"
import { recompute, toFields } from "../../src/core/DailyAggregate.js"
import { createAlert } from "../../src/core/Lifecycle.js"
import { ALERT_PAGE, AlertStore } from "../../src/shell/AlertStore.js"
import { defaultRetention, Keys } from "../../src/shell/Keys.js"
import { Redis } from "../../src/shell/Redis.js"
import { TimerStore } from "../../src/shell/TimerStore.js"
import { alertId, newAlert, policy, T0 } from "../support/alerts.js"
import { prng, randomEvent, randomNewAlerts } from "../support/randomAlerts.js"
import { uniquePrefix } from "../support/redis.js"
import { redisStoresOn } from "../support/stores.js"

/** A separate connection (and so a separate Redis client) on a shared key prefix. */
const connection = (prefix: string, url: string = inject("redisUrl")) =>
  redisStoresOn(Redis.layer({ url, password: Option.none(), keyPrefix: prefix, commandTimeoutMs: 2_000 }))

const withConnections = async <A>(
  count: number,
  body: (
    connections: ReadonlyArray<
      <X, E>(effect: Effect.Effect<X, E, AlertStore | TimerStore | Redis>) => Promise<X>
    >,
  ) => Promise<A>,
) => {
  const prefix = uniquePrefix("alert-store")
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const contexts = yield* Effect.forEach(Array.from({ length: count }), () =>
          Layer.build(connection(prefix)),
        )
        const runners = contexts.map(
          (ctx) =>
            <X, E>(effect: Effect.Effect<X, E, AlertStore | TimerStore | Redis>) =>
              Effect.runPromise(Effect.provide(effect, ctx)),
        )
        return yield* Effect.promise(() => body(runners))
      }),
    ),
  )
}

/** Every daily counter and histogram must equal the recomputation from the stored alerts. */
const expectCountersMatchRecords = async (
  run: <X, E>(effect: Effect.Effect<X, E, AlertStore | TimerStore | Redis>) => Promise<X>,
  ids: ReadonlyArray<Alert["id"]>,
) => {
  const stored = await run(Effect.forEach(ids, (id) => Effect.flatMap(AlertStore, (s) => s.get(id))))
  const alerts = stored.flatMap((o) => Option.toArray(o))
  expect(alerts).toHaveLength(ids.length)
  const expected = recompute(alerts)
  const days = [...expected.keys()].sort()
  const actual = await run(Effect.flatMap(AlertStore, (s) => s.daily(days)))
  for (const { day, aggregate } of actual) {
    expect(toFields(aggregate)).toEqual(toFields(expected.get(day) ?? aggregate))
  }
  return alerts
}

describe("AlertStore on Redis under concurrency", () => {
  it("200 concurrent acknowledgements from two connections: one wins, the rest are told who", async () => {
    await withConnections(2, async ([a, b]) => {
      if (a === undefined || b === undefined) throw new Error("two connections expected")
      const id = alertId(77)
      await a(Effect.flatMap(AlertStore, (s) => s.create(createAlert(newAlert({ id }), policy))))
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          (i % 2 === 0 ? a : b)(
            Effect.either(
              Effect.flatMap(AlertStore, (s) => s.apply(id, { _tag: "Acknowledge", by: `crt-${i}` })),
            ),
          ),
        ),
      )
      const wins = outcomes.filter(Either.isRight)
      expect(wins).toHaveLength(1)
      const winner = wins[0]?.right.alert.milestones.acknowledged?.by
      for (const outcome of outcomes.filter(Either.isLeft)) {
        expect(outcome.left._tag === "EventRejected" && outcome.left.rejection).toMatchObject({
          _tag: "AlreadyReached",
          milestone: "acknowledged",
          reached: { by: winner },
        })
      }
      const [day] = await a(Effect.flatMap(AlertStore, (s) => s.daily(["2025-10-09"])))
      expect(day?.aggregate.counts.get("acknowledged")).toBe(1)
      expect(day?.aggregate.responders.get(winner ?? "")?.get("acknowledgements")).toBe(1)
      expect(day?.aggregate.responders.size).toBe(1)
    })
  })

  it("1,000 alerts with random events applied concurrently: counters equal the recomputation exactly", async () => {
    await withConnections(2, async ([a, b]) => {
      if (a === undefined || b === undefined) throw new Error("two connections expected")
      const random = prng(20261123)
      const alerts = randomNewAlerts(1_000, random)
      await a(
        Effect.forEach(alerts, (n) => Effect.flatMap(AlertStore, (s) => s.create(createAlert(n, policy))), {
          concurrency: 32,
        }),
      )
      const events = Array.from({ length: 5_000 }, () => ({
        id: alerts[Math.floor(random() * alerts.length)]?.id ?? alertId(1),
        event: randomEvent(random),
        via: random() < 0.5 ? a : b,
      }))
      const outcomes = await Promise.all(
        events.map(({ id, event, via }) =>
          via(Effect.either(Effect.flatMap(AlertStore, (s) => s.apply(id, event)))),
        ),
      )
      // Only lifecycle refusals are expected; no conflict may be given up on, no Redis failure.
      const unexpected = outcomes.filter((o) => Either.isLeft(o) && o.left._tag !== "EventRejected")
      expect(unexpected).toEqual([])
      expect(outcomes.filter(Either.isRight).length).toBeGreaterThan(1_000)
      await expectCountersMatchRecords(
        a,
        alerts.map((n) => n.id),
      )
    })
  })

  it("1,000 due timers and 4 concurrent claimers: each fires exactly once; a dead claimer's timers come back", async () => {
    await withConnections(5, async (connections) => {
      const [first] = connections
      if (first === undefined) throw new Error("connections expected")
      const ids = Array.from({ length: 1_000 }, (_, i) => alertId(i + 1))
      await first(
        Effect.flatMap(TimerStore, (t) =>
          Effect.forEach(ids, (id, i) => t.schedule(id, "auto_contact", 1_000 + i)),
        ),
      )
      // A claimer that takes 100 timers and dies without completing them.
      const dead = connections[4]
      if (dead === undefined) throw new Error("fifth connection expected")
      const abandoned = await dead(Effect.flatMap(TimerStore, (t) => t.claimDue(5_000, 100, 1_000)))
      expect(abandoned).toHaveLength(100)
      const fired: Array<string> = []
      const claimer = (run: (typeof connections)[number], now: number) =>
        run(
          Effect.flatMap(TimerStore, (t) =>
            Effect.gen(function* () {
              for (;;) {
                const batch = yield* t.claimDue(now, 25, 60_000)
                if (batch.length === 0) return
                for (const timer of batch) {
                  if (yield* t.complete(timer)) fired.push(timer.alertId)
                }
              }
            }),
          ),
        )
      // Before the dead claimer's lease runs out, the live claimers get the other 900.
      await Promise.all(connections.slice(0, 4).map((run) => claimer(run, 5_500)))
      expect(fired).toHaveLength(900)
      // After it, the abandoned 100 are claimed again.
      await Promise.all(connections.slice(0, 4).map((run) => claimer(run, 6_500)))
      expect(fired).toHaveLength(1_000)
      expect(new Set(fired).size).toBe(1_000)
    })
  })
})

describe("AlertStore on Redis: records that do not decode", () => {
  const corrupt = async (fields: Record<string, string>) =>
    withConnections(1, async ([run]) => {
      if (run === undefined) throw new Error("connection expected")
      const id = alertId(5)
      return run(
        Effect.gen(function* () {
          const redis = yield* Redis
          const key = redis.key(Keys.alert(id))
          yield* redis.run("test.corrupt", (c) => c.hset(key, fields))
          const read = yield* Effect.either(Effect.flatMap(AlertStore, (s) => s.get(id)))
          const applied = yield* Effect.either(
            Effect.flatMap(AlertStore, (s) => s.apply(id, { _tag: "Acknowledge", by: "crt-1" })),
          )
          const after = yield* redis.run("test.read", (c) => c.hgetall(key))
          return { read, applied, after }
        }),
      )
    })

  const valid = JSON.stringify({ ...createAlert(newAlert({ id: alertId(5) }), policy).alert })

  it.each([
    ["foreign JSON", { version: "0", record: JSON.stringify({ hello: "world" }) }],
    ["not JSON", { version: "0", record: "{{{" }],
    ["wrong types", { version: "0", record: valid.replace('"severity":"high"', '"severity":7') }],
    ["missing record", { version: "0", severity: "high" }],
    ["version mismatch", { version: "3", record: valid }],
  ])("%s is a typed error and is left as it was", async (_label, fields) => {
    const { read, applied, after } = await corrupt(fields)
    expect(Either.isLeft(read) && read.left._tag).toBe("CorruptRecord")
    expect(Either.isLeft(applied) && applied.left._tag).toBe("CorruptRecord")
    expect(after).toEqual(fields)
  })

  it("a corrupt daily aggregate is a typed error naming the key", async () => {
    await withConnections(1, async ([run]) => {
      if (run === undefined) throw new Error("connection expected")
      const result = await run(
        Effect.gen(function* () {
          const redis = yield* Redis
          yield* redis.run("test.corrupt", (c) =>
            c.hset(redis.key(Keys.daily("2025-01-01")), { total_alerts: "many" }),
          )
          return yield* Effect.either(Effect.flatMap(AlertStore, (s) => s.daily(["2025-01-01"])))
        }),
      )
      expect(Either.isLeft(result) && result.left._tag).toBe("CorruptRecord")
      expect(Either.isLeft(result) && result.left._tag === "CorruptRecord" && result.left.key).toContain(
        "ash:metrics:daily:2025-01-01",
      )
    })
  })
})

describe("AlertStore on Redis: a day's alerts for export", () => {
  it("reads a large day page by page, in creation order, leaving out a corrupt record", async () => {
    const count = 2 * ALERT_PAGE + 3
    const read = await withConnections(1, async ([run]) => {
      if (run === undefined) throw new Error("connection expected")
      return run(
        Effect.gen(function* () {
          const store = yield* AlertStore
          const redis = yield* Redis
          yield* Effect.forEach(
            Array.from({ length: count }, (_, i) => i),
            (i) =>
              store.create(
                createAlert(
                  newAlert({
                    id: alertId(1_000 + i),
                    createdAt: T0 + i,
                    origin: { ...newAlert().origin, alertMessageId: String(10_000 + i) },
                  }),
                  policy,
                ),
              ),
            { concurrency: 16 },
          )
          yield* redis.run("test.corrupt", (c) =>
            c.hset(redis.key(Keys.alert(alertId(1_007))), "record", "{{{"),
          )
          const ttl = yield* redis.run("test.pttl", (c) => c.pttl(redis.key(Keys.dayAlerts("2025-10-09"))))
          const alerts = yield* Stream.runCollect(store.alertsOn("2025-10-09"))
          return { ids: [...alerts].map((a) => a.id), ttl }
        }),
      )
    })
    const expected = Array.from({ length: count }, (_, i) => alertId(1_000 + i)).filter(
      (id) => id !== alertId(1_007),
    )
    expect(read.ids).toEqual(expected)
    // The day's index lives as long as its alerts.
    expect(read.ttl).toBeGreaterThan(defaultRetention.alertMs - 60_000)
  })
})

describe("AlertStore on Redis: alerts recorded before the day index", () => {
  it("are added to their days once, corrupt records left out; a second run adds nothing", async () => {
    const result = await withConnections(1, async ([run]) => {
      if (run === undefined) throw new Error("connection expected")
      return run(
        Effect.gen(function* () {
          const store = yield* AlertStore
          const redis = yield* Redis
          const days = ["2025-10-08", "2025-10-09"]
          yield* Effect.forEach(
            Array.from({ length: 30 }, (_, i) => i),
            (i) =>
              store.create(
                createAlert(
                  newAlert({
                    id: alertId(3_000 + i),
                    createdAt: T0 + i,
                    day: days[i % 2] ?? "2025-10-09",
                    origin: { ...newAlert().origin, alertMessageId: String(30_000 + i) },
                  }),
                  policy,
                ),
              ),
          )
          // As a Redis written before the index: no day sets, and one record that does not decode.
          yield* redis.run("test.unindex", (c) => c.del(...days.map((d) => redis.key(Keys.dayAlerts(d)))))
          yield* redis.run("test.corrupt", (c) =>
            c.hset(redis.key(Keys.alert(alertId(3_001))), "record", "{{{"),
          )
          const listed = (day: string) =>
            Effect.map(Stream.runCollect(store.alertsOn(day)), (c) => [...c].map((a) => a.id))
          const before = yield* listed("2025-10-09")
          const added = yield* store.indexDays()
          const again = yield* store.indexDays()
          return { before, added, again, even: yield* listed("2025-10-08"), odd: yield* listed("2025-10-09") }
        }),
      )
    })
    expect(result.before).toEqual([])
    expect(result.added).toBe(29)
    expect(result.again).toBe(0)
    expect(result.even).toEqual(Array.from({ length: 15 }, (_, k) => alertId(3_000 + 2 * k)))
    expect(result.odd).toEqual(
      Array.from({ length: 15 }, (_, k) => alertId(3_001 + 2 * k)).filter((id) => id !== alertId(3_001)),
    )
  })
})

describe("AlertStore on Redis: retention", () => {
  it("sets the configured TTLs on the alert, its lookup and its day, and refreshes them on write", async () => {
    const prefix = uniquePrefix("ttl")
    const retention = { alertMs: 3 * 86_400_000, dailyMs: 30 * 86_400_000 }
    const layer = redisStoresOn(
      Redis.layer({
        url: inject("redisUrl"),
        password: Option.none(),
        keyPrefix: prefix,
        commandTimeoutMs: 2_000,
      }),
      retention,
    )
    const ttls = await Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          const store = yield* AlertStore
          const redis = yield* Redis
          const id = alertId(9)
          yield* store.create(createAlert(newAlert({ id }), policy))
          yield* redis.run("test.shorten", (c) => c.pexpire(redis.key(Keys.alert(id)), 1_000))
          yield* store.apply(id, { _tag: "Acknowledge", by: "crt-1" })
          const pttl = (key: string) => redis.run("test.pttl", (c) => c.pttl(redis.key(key)))
          return {
            alert: yield* pttl(Keys.alert(id)),
            lookup: yield* pttl(Keys.alertLookup("600")),
            daily: yield* pttl(Keys.daily("2025-10-09")),
            hours: yield* pttl(Keys.dailyHours("2025-10-09")),
          }
        }),
        layer,
      ),
    )
    const near = (actual: number, expected: number) => {
      expect(actual).toBeLessThanOrEqual(expected)
      expect(actual).toBeGreaterThan(expected - 60_000)
    }
    near(ttls.alert, retention.alertMs)
    near(ttls.lookup, retention.alertMs)
    near(ttls.daily, retention.dailyMs)
    near(ttls.hours, retention.dailyMs)
  })
})
