/** One contract for the conversation relays, in memory and on Redis. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { Keys } from "../../src/shell/Keys.js"
import { Redis } from "../../src/shell/Redis.js"
import { type Relay, RelayStore } from "../../src/shell/RelayStore.js"
import { alertId } from "../support/alerts.js"
import { testRedis } from "../support/redis.js"

const backends = [
  { name: "memory", layer: (_label: string) => RelayStore.Memory },
  { name: "redis", layer: (label: string) => RelayStore.Live.pipe(Layer.provideMerge(testRedis(label))) },
] as const

const relay = (n: number, overrides: Partial<Relay> = {}): Relay => ({
  alertId: alertId(n),
  guildId: "900000000000000001",
  memberId: "940000000000000001",
  threadId: String(1500000000000000000n + BigInt(n)),
  alertChannelId: "930000000000000001",
  startedBy: "ash",
  openedAt: 1_760_000_000_000 + n,
  closedAt: null,
  ...overrides,
})

describe.each(backends)("relays on $name", ({ name, layer }) => {
  const run = <A, E>(label: string, effect: Effect.Effect<A, E, RelayStore>) =>
    Effect.runPromise(Effect.provide(effect, layer(`${name}-${label}`)))

  it("an open relay is found by its member and by its thread; unknown ones are none", async () => {
    const [byMember, byThread, none] = await run(
      "open",
      Effect.gen(function* () {
        const relays = yield* RelayStore
        yield* relays.open(relay(1), 60_000)
        return [
          yield* relays.byMember("940000000000000001"),
          yield* relays.byThread(relay(1).threadId),
          yield* relays.byMember("940000000000000009"),
        ] as const
      }),
    )
    expect(byMember).toEqual(Option.some(relay(1)))
    expect(byThread).toEqual(Option.some(relay(1)))
    expect(none).toEqual(Option.none())
  })

  it("the member's first message is first once; answered once a CRT message reached them", async () => {
    const turns = await run(
      "turns",
      Effect.gen(function* () {
        const relays = yield* RelayStore
        const first = yield* relays.memberWrote(alertId(2), 60_000)
        const second = yield* relays.memberWrote(alertId(2), 60_000)
        yield* relays.answered(alertId(2), 60_000)
        const third = yield* relays.memberWrote(alertId(2), 60_000)
        const otherAlert = yield* relays.memberWrote(alertId(3), 60_000)
        return [first, second, third, otherAlert]
      }),
    )
    expect(turns).toEqual([
      { first: true, answered: false },
      { first: false, answered: false },
      { first: false, answered: true },
      { first: true, answered: false },
    ])
  })

  it("a message is taken by one claim only", async () => {
    const claims = await run(
      "claim",
      Effect.gen(function* () {
        const relays = yield* RelayStore
        return [
          yield* relays.claim("1500000000000000100", "a", 60_000),
          yield* relays.claim("1500000000000000100", "b", 60_000),
          // Its owner asking again (a retry) still holds it.
          yield* relays.claim("1500000000000000100", "a", 60_000),
          yield* relays.claim("1500000000000000101", "b", 60_000),
        ]
      }),
    )
    expect(claims).toEqual([true, false, true, true])
  })

  it("closing drops the member's relay but keeps the thread known as closed; a newer relay of the member stays", async () => {
    const [member, thread, newer] = await run(
      "close",
      Effect.gen(function* () {
        const relays = yield* RelayStore
        yield* relays.open(relay(4), 60_000)
        yield* relays.close(relay(4), 1_760_000_100_000, 60_000)
        const member = yield* relays.byMember("940000000000000001")
        const thread = yield* relays.byThread(relay(4).threadId)
        // The member's conversation moved to a newer alert: closing the old one leaves it.
        yield* relays.open(relay(5), 60_000)
        yield* relays.close(relay(4), 1_760_000_200_000, 60_000)
        return [member, thread, yield* relays.byMember("940000000000000001")] as const
      }),
    )
    expect(member).toEqual(Option.none())
    expect(thread).toEqual(Option.some(relay(4, { closedAt: 1_760_000_100_000 })))
    expect(newer).toEqual(Option.some(relay(5)))
  })
})

describe("relays on Redis", () => {
  it("a record that does not decode reads as none, and holds only ids and times", async () => {
    const [corrupt, stored] = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const ctx = yield* Layer.build(RelayStore.Live.pipe(Layer.provideMerge(testRedis("relay-corrupt"))))
          const redis = Effect.runSync(Effect.provide(Redis, ctx))
          const relays = Effect.runSync(Effect.provide(RelayStore, ctx))
          yield* redis.run("corrupt", (c) =>
            c.set(redis.key(Keys.relay.member("940000000000000002")), "{not json"),
          )
          yield* relays.open(relay(6), 60_000)
          const raw = yield* redis.run("read", (c) =>
            c.get(redis.key(Keys.relay.member("940000000000000001"))),
          )
          return [yield* relays.byMember("940000000000000002"), JSON.parse(raw ?? "{}")] as const
        }),
      ),
    )
    expect(corrupt).toEqual(Option.none())
    expect(Object.keys(stored).sort()).toEqual(
      [
        "alertChannelId",
        "alertId",
        "closedAt",
        "guildId",
        "memberId",
        "openedAt",
        "startedBy",
        "threadId",
      ].sort(),
    )
  })
})
