import { Chunk, Effect, Fiber, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { heldEvents } from "../../src/shell/discord/DiscordLive.js"

const take = <A>(stream: Stream.Stream<A>, n: number) =>
  Stream.runCollect(Stream.take(stream, n)).pipe(Effect.map(Chunk.toReadonlyArray))

describe("events received while the bot starts", () => {
  it("reach every reader that starts within the hold, the held ones first and in order", async () => {
    const events = heldEvents<number>(60_000)
    events.push(1)
    const [first, second] = await Effect.runPromise(
      Effect.gen(function* () {
        const early = yield* Effect.fork(take(events.stream, 3))
        yield* Effect.sleep("10 millis")
        events.push(2)
        const late = yield* Effect.fork(take(events.stream, 3))
        yield* Effect.sleep("10 millis")
        events.push(3)
        return [yield* Fiber.join(early), yield* Fiber.join(late)] as const
      }),
    )
    expect(first).toEqual([1, 2, 3])
    expect(second).toEqual([1, 2, 3])
  })

  it("after the hold, a reader receives only what arrives while it reads", async () => {
    const events = heldEvents<string>(20)
    events.push("before")
    await new Promise((resolve) => setTimeout(resolve, 50))
    const received = await Effect.runPromise(
      Effect.gen(function* () {
        const reader = yield* Effect.fork(take(events.stream, 1))
        yield* Effect.sleep("10 millis")
        events.push("live")
        return yield* Fiber.join(reader)
      }),
    )
    expect(received).toEqual(["live"])
  })
})
