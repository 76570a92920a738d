/** One contract for the weekly reports' ledger, in memory and on Redis. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { ReportLedger } from "../../src/shell/ReportLedger.js"
import { testRedis } from "../support/redis.js"

const backends = [
  { name: "memory", layer: (_label: string) => ReportLedger.Memory },
  { name: "redis", layer: (label: string) => ReportLedger.Live.pipe(Layer.provideMerge(testRedis(label))) },
] as const

describe.each(backends)("the weekly reports' ledger on $name", ({ name, layer }) => {
  const run = <A, E>(label: string, effect: Effect.Effect<A, E, ReportLedger>) =>
    Effect.runPromise(Effect.provide(effect, layer(`${name}-${label}`)))

  it("one claim wins a week; once posted, nobody claims it again", async () => {
    const outcome = await run(
      "once",
      Effect.gen(function* () {
        const ledger = yield* ReportLedger
        const first = yield* ledger.claim("2026-W48", "a", 60_000)
        const second = yield* ledger.claim("2026-W48", "b", 60_000)
        const other = yield* ledger.claim("2026-W49", "b", 60_000)
        const before = yield* ledger.postedAt("2026-W48")
        yield* ledger.posted("2026-W48", 1_764_000_000_000)
        yield* ledger.release("2026-W48", "a")
        return [
          first,
          second,
          other,
          before,
          yield* ledger.postedAt("2026-W48"),
          yield* ledger.claim("2026-W48", "c", 60_000),
        ]
      }),
    )
    expect(outcome).toEqual([true, false, true, Option.none(), Option.some(1_764_000_000_000), false])
  })

  it("a failed post gives the claim up for another try; another owner's release does not", async () => {
    const outcome = await run(
      "release",
      Effect.gen(function* () {
        const ledger = yield* ReportLedger
        yield* ledger.claim("2026-W48", "a", 60_000)
        yield* ledger.release("2026-W48", "b")
        const heldStill = !(yield* ledger.claim("2026-W48", "b", 60_000))
        yield* ledger.release("2026-W48", "a")
        return [heldStill, yield* ledger.claim("2026-W48", "b", 60_000)]
      }),
    )
    expect(outcome).toEqual([true, true])
  })
})
