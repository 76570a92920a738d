/** One contract for alerts written before their post, in memory and on Redis. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Keys } from "../../src/shell/Keys.js"
import { PendingAlerts } from "../../src/shell/PendingAlerts.js"
import { Redis } from "../../src/shell/Redis.js"
import { alertId, pendingAlert } from "../support/alerts.js"
import { testRedis } from "../support/redis.js"

const backends = [
  { name: "memory", layer: (_label: string) => PendingAlerts.Memory },
  { name: "redis", layer: (label: string) => PendingAlerts.Live.pipe(Layer.provideMerge(testRedis(label))) },
] as const

describe.each(backends)("pending alerts on $name", ({ name, layer }) => {
  const run = <A, E>(label: string, effect: Effect.Effect<A, E, PendingAlerts>) =>
    Effect.runPromise(Effect.provide(effect, layer(`${name}-${label}`)))

  it("a claimed alert is not given to a sweep; one whose claim ran out is, to one sweep only", async () => {
    const [held, abandoned, again] = await run(
      "claims",
      Effect.gen(function* () {
        const pendings = yield* PendingAlerts
        yield* pendings.put(pendingAlert({ id: alertId(1) }), 60_000)
        yield* pendings.put(pendingAlert({ id: alertId(2) }), -1)
        const first = yield* pendings.claimAbandoned(60_000, 10)
        return [
          first.length,
          first.map((p) => p.alert.id),
          yield* pendings.claimAbandoned(60_000, 10),
        ] as const
      }),
    )
    expect(held).toBe(1)
    expect(abandoned).toEqual([alertId(2)])
    expect(again).toEqual([])
  })

  it("keeps the alert as written, with where it was posted once marked; removed, it is gone", async () => {
    const pending = pendingAlert({ id: alertId(3) })
    const [claimed, afterRemove] = await run(
      "posted",
      Effect.gen(function* () {
        const pendings = yield* PendingAlerts
        yield* pendings.put(pending, -1)
        yield* pendings.markPosted(alertId(3), { channelId: "501", messageId: "777" })
        const claimed = yield* pendings.claimAbandoned(-1, 10)
        yield* pendings.remove(alertId(3))
        return [claimed, yield* pendings.claimAbandoned(-1, 10)] as const
      }),
    )
    expect(claimed).toEqual([{ ...pending, posted: { channelId: "501", messageId: "777" } }])
    expect(afterRemove).toEqual([])
  })

  it("gives at most `limit` at a time", async () => {
    const claimed = await run(
      "limit",
      Effect.gen(function* () {
        const pendings = yield* PendingAlerts
        for (let i = 10; i < 15; i++) yield* pendings.put(pendingAlert({ id: alertId(i) }), -1)
        return yield* pendings.claimAbandoned(60_000, 3)
      }),
    )
    expect(claimed).toHaveLength(3)
  })
})

describe("pending alerts on Redis", () => {
  it("a record that does not decode is dropped and logged; the others are given", async () => {
    const claimed = await Effect.runPromise(
      Effect.gen(function* () {
        const pendings = yield* PendingAlerts
        const { client, key } = yield* Redis
        yield* pendings.put(pendingAlert({ id: alertId(20) }), -1)
        yield* Effect.promise(() => client.hset(key(Keys.pendingAlerts.records), "alert_corrupt", "{oops"))
        yield* Effect.promise(() => client.zadd(key(Keys.pendingAlerts.claims), 0, "alert_corrupt"))
        const first = yield* pendings.claimAbandoned(-1, 10)
        const left = yield* Effect.promise(() =>
          client.hexists(key(Keys.pendingAlerts.records), "alert_corrupt"),
        )
        return [first.map((p) => p.alert.id), left] as const
      }).pipe(Effect.provide(PendingAlerts.Live.pipe(Layer.provideMerge(testRedis("pending-corrupt"))))),
    )
    expect(claimed).toEqual([[alertId(20)], 0])
  })
})
