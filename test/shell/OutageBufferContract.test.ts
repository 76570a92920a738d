/** One contract for the outage buffer, in memory and on Redis: whatever holds in one holds in the other. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import type { IntakeMessage } from "../../src/core/Intake.js"
import { Keys } from "../../src/shell/Keys.js"
import { OutageBuffer } from "../../src/shell/OutageBuffer.js"
import { Redis } from "../../src/shell/Redis.js"
import { testRedis } from "../support/redis.js"

const message = (n: number, sentAt: number): IntakeMessage => ({
  guildId: "900",
  channelId: "920",
  messageId: `15000000000000000${n}`,
  authorId: "940",
  authorName: "River",
  content: `kept message ${n}`,
  sentAt,
})

const limits = { max: 3, maxAgeMs: 60_000 }

const backends = [
  { name: "memory", layer: (_label: string) => OutageBuffer.Memory },
  { name: "redis", layer: (label: string) => OutageBuffer.Live.pipe(Layer.provideMerge(testRedis(label))) },
] as const

describe.each(backends)("outage buffer on $name", ({ name, layer }) => {
  const run = <A, E>(label: string, effect: Effect.Effect<A, E, OutageBuffer>) =>
    Effect.runPromise(Effect.provide(effect, layer(`${name}-${label}`)))

  it("gives the kept messages back in the order they were written, one at a time", async () => {
    const order = await run(
      "order",
      Effect.gen(function* () {
        const buffer = yield* OutageBuffer
        for (const m of [message(2, 2_000), message(1, 1_000), message(3, 3_000)])
          yield* buffer.keep(m, limits)
        const seen: Array<string> = []
        for (let next = yield* buffer.oldest; Option.isSome(next); next = yield* buffer.oldest) {
          seen.push(next.value.content)
          yield* buffer.remove(next.value.messageId)
        }
        expect(yield* buffer.size).toBe(0)
        return seen
      }),
    )
    expect(order).toEqual(["kept message 1", "kept message 2", "kept message 3"])
  })

  it("keeps every field of a message as it was", async () => {
    const withAvatar = { ...message(4, 4_000), authorAvatarUrl: "https://cdn/a.png", content: 'é ✨ "q"\n' }
    const kept = await run(
      "fields",
      Effect.flatMap(OutageBuffer, (b) => Effect.zipRight(b.keep(withAvatar, limits), b.oldest)),
    )
    expect(kept).toEqual(Option.some(withAvatar))
  })

  it("drops the oldest beyond the limit and too old ones, and the outage's end reports both once", async () => {
    const [dropped, expired, lost, again] = await run(
      "limits",
      Effect.gen(function* () {
        const buffer = yield* OutageBuffer
        expect(yield* buffer.noticeDue(10_000, 60_000, 1_000)).toBe(true)
        let dropped = 0
        for (let i = 1; i <= 5; i++) dropped += yield* buffer.keep(message(i, i * 1_000), limits)
        const expired = yield* buffer.expire(3_500)
        return [dropped, expired, yield* buffer.endOutage(20_000), yield* buffer.endOutage(20_001)] as const
      }),
    )
    expect([dropped, expired]).toEqual([2, 1])
    expect(lost).toEqual(Option.some({ overflow: 2, expired: 1 }))
    expect(again).toEqual(Option.none())
  })

  it("a message once analysed is not kept again (a keep that reached Redis late)", async () => {
    const [dropped, size] = await run(
      "analysed",
      Effect.gen(function* () {
        const buffer = yield* OutageBuffer
        yield* buffer.keep(message(1, 1_000), limits)
        yield* buffer.analysed(message(1, 1_000).messageId, 2_000, 60_000)
        const dropped = yield* buffer.keep(message(1, 1_000), limits)
        return [dropped, yield* buffer.size] as const
      }),
    )
    expect([dropped, size]).toEqual([0, 0])
  })

  it("drops thousands of messages at once, over the limit or too old", async () => {
    const [over, expired, size] = await run(
      "thousands",
      Effect.gen(function* () {
        const buffer = yield* OutageBuffer
        const wide = { max: 20_000, maxAgeMs: 3_600_000 }
        for (let i = 0; i < 12_000; i++) yield* buffer.keep({ ...message(i, i), messageId: `9${i}` }, wide)
        const over = yield* buffer.keep({ ...message(1, 12_000), messageId: "last" }, { ...wide, max: 2_001 })
        const expired = yield* buffer.expire(11_500)
        return [over, expired, yield* buffer.size] as const
      }),
    )
    expect([over, expired, size]).toEqual([10_000, 1_500, 501])
  }, 60_000)

  it("tells whether an older message waits, and remembers that the NLP answered until asked", async () => {
    const answers = await run(
      "waiting",
      Effect.gen(function* () {
        const buffer = yield* OutageBuffer
        yield* buffer.keep(message(1, 1_000), limits)
        const before = yield* buffer.takeAnswering
        const older = yield* buffer.waitingBefore(500)
        const newer = yield* buffer.waitingBefore(2_000)
        return [before, older, newer, yield* buffer.takeAnswering, yield* buffer.takeAnswering]
      }),
    )
    expect(answers).toEqual([false, false, true, true, false])
  })

  it("one degraded notice per window; a straggler of an ended outage announces nothing; a new outage does", async () => {
    const due = await run(
      "notices",
      Effect.gen(function* () {
        const buffer = yield* OutageBuffer
        const first = yield* buffer.noticeDue(1_000, 60_000, 900)
        const sameWindow = yield* buffer.noticeDue(2_000, 60_000, 1_900)
        const nextWindow = yield* buffer.noticeDue(61_000, 60_000, 60_900)
        yield* buffer.endOutage(70_000)
        const straggler = yield* buffer.noticeDue(71_000, 60_000, 69_000)
        const fresh = yield* buffer.noticeDue(72_000, 60_000, 71_500)
        return [first, sameWindow, nextWindow, straggler, fresh]
      }),
    )
    expect(due).toEqual([true, false, true, false, true])
  })

  it("one holder of the recovery lease at a time; it renews its own, and another takes it once released", async () => {
    const taken = await run(
      "lease",
      Effect.gen(function* () {
        const buffer = yield* OutageBuffer
        const a = yield* buffer.lease("process-a", 30_000)
        const b = yield* buffer.lease("process-b", 30_000)
        const renewed = yield* buffer.lease("process-a", 30_000)
        yield* buffer.releaseLease("process-b")
        const stillA = yield* buffer.lease("process-b", 30_000)
        yield* buffer.releaseLease("process-a")
        return [a, b, renewed, stillA, yield* buffer.lease("process-b", 30_000)]
      }),
    )
    expect(taken).toEqual([true, false, true, false, true])
  })
})

describe("outage buffer in memory", () => {
  it.effect("a lease runs out by itself: a process that died holding it does not stall recovery", () =>
    Effect.gen(function* () {
      const buffer = yield* OutageBuffer
      expect(yield* buffer.lease("died", 30_000)).toBe(true)
      expect(yield* buffer.lease("survivor", 30_000)).toBe(false)
      yield* TestClock.adjust("31 seconds")
      expect(yield* buffer.lease("survivor", 30_000)).toBe(true)
    }).pipe(Effect.provide(OutageBuffer.Memory)),
  )
})

describe("outage buffer on Redis", () => {
  it("a record that does not decode is dropped and logged, and the next one is given", async () => {
    const next = await Effect.runPromise(
      Effect.gen(function* () {
        const buffer = yield* OutageBuffer
        const { client, key } = yield* Redis
        yield* buffer.keep(message(2, 2_000), limits)
        yield* Effect.promise(() => client.zadd(key(Keys.nlpBuffer.order), 1_000, "corrupt"))
        yield* Effect.promise(() => client.hset(key(Keys.nlpBuffer.messages), "corrupt", "{not json"))
        const oldest = yield* buffer.oldest
        return [oldest, yield* buffer.size] as const
      }).pipe(Effect.provide(OutageBuffer.Live.pipe(Layer.provideMerge(testRedis("outage-corrupt"))))),
    )
    expect(next).toEqual([Option.some(message(2, 2_000)), 1])
  })

  it("the kept messages expire by themselves after the longest age", async () => {
    const ttl = await Effect.runPromise(
      Effect.gen(function* () {
        const buffer = yield* OutageBuffer
        const { client, key } = yield* Redis
        yield* buffer.keep(message(1, 1_000), limits)
        return yield* Effect.promise(() => client.pttl(key(Keys.nlpBuffer.messages)))
      }).pipe(Effect.provide(OutageBuffer.Live.pipe(Layer.provideMerge(testRedis("outage-ttl"))))),
    )
    expect(ttl).toBeGreaterThan(50_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
  })
})
