import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import {
  admit,
  type BreakerSettings,
  type BreakerState,
  initialBreaker,
  type Outcome,
  type Permit,
  settle,
  statusOf,
} from "../../src/core/CircuitBreaker.js"

const s: BreakerSettings = { failureThreshold: 3, successThreshold: 2, cooldownMs: 1_000 }

/** Admit one call at `now` and settle it at once with `outcome`. */
const call = (b: BreakerState, outcome: Outcome, now = 0): BreakerState => {
  const [permit, admitted] = admit(b, now)
  return permit === null ? admitted : settle(admitted, permit, outcome, now, s)
}
const calls = (b: BreakerState, outcomes: ReadonlyArray<Outcome>, now = 0) =>
  outcomes.reduce((acc, o) => call(acc, o, now), b)

describe("circuit breaker", () => {
  it("opens after the threshold of consecutive failures; a success in between resets the count", () => {
    expect(statusOf(calls(initialBreaker, ["failure", "failure"]), 0)).toBe("closed")
    expect(statusOf(calls(initialBreaker, ["failure", "failure", "success", "failure", "failure"]), 0)).toBe(
      "closed",
    )
    expect(statusOf(calls(initialBreaker, ["failure", "failure", "failure"]), 0)).toBe("open")
  })

  it("ignores neutral outcomes (4xx, 429, interruptions) in the count", () => {
    const b = calls(initialBreaker, ["failure", "neutral", "failure", "neutral", "neutral"])
    expect(statusOf(b, 0)).toBe("closed")
    expect(statusOf(call(b, "failure"), 0)).toBe("open")
  })

  it("fails fast while open, then lets exactly one probe through", () => {
    const open = calls(initialBreaker, ["failure", "failure", "failure"], 100)
    expect(admit(open, 1_099)[0]).toBeNull()
    expect(statusOf(open, 1_100)).toBe("half_open")
    const [probe, probing] = admit(open, 1_100)
    expect(probe).toEqual({ generation: 2, probe: true })
    expect(admit(probing, 1_100)[0]).toBeNull()
    expect(admit(probing, 50_000)[0]).toBeNull()
  })

  it("closes after enough successful probes, reopens on a failed one, frees the slot on a neutral one", () => {
    const open = calls(initialBreaker, ["failure", "failure", "failure"])
    const later = 1_000
    const once = call(open, "success", later)
    expect(once).toMatchObject({ _tag: "half_open", probing: false, successes: 1 })
    expect(call(once, "success", later)).toMatchObject({ _tag: "closed", failures: 0 })
    expect(call(once, "failure", later)).toMatchObject({ _tag: "open", until: later + s.cooldownMs })
    expect(call(once, "neutral", later)).toMatchObject({ _tag: "half_open", probing: false, successes: 1 })
  })

  it("does not let a call from an earlier state move the breaker", () => {
    const [stale, closed] = admit(initialBreaker, 0)
    if (stale === null) throw new Error("closed breaker refused a call")
    const open = calls(closed, ["failure", "failure", "failure"])
    const [probe, halfOpen] = admit(open, 1_000)
    expect(probe).not.toBeNull()
    expect(settle(halfOpen, stale, "failure", 1_000, s)).toBe(halfOpen)
    expect(settle(halfOpen, stale, "success", 1_000, s)).toBe(halfOpen)
  })

  it("does not count a failure from before an outage against the breaker that closed after it", () => {
    const [stale, closed] = admit(initialBreaker, 0)
    if (stale === null) throw new Error("closed breaker refused a call")
    const open = calls(closed, ["failure", "failure", "failure"])
    const reclosed = calls(open, ["success", "success"], 1_000)
    expect(reclosed).toMatchObject({ _tag: "closed", failures: 0 })
    expect(settle(reclosed, stale, "failure", 1_000, s)).toBe(reclosed)
  })

  const quick: BreakerSettings = { failureThreshold: 2, successThreshold: 2, cooldownMs: 500 }
  type Step =
    | { readonly kind: "start" }
    | { readonly kind: "end"; readonly outcome: Outcome }
    | { readonly kind: "wait"; readonly ms: number }
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.constant<Step>({ kind: "start" }),
    fc
      .constantFrom<Outcome>("success", "failure", "neutral")
      .map((outcome): Step => ({ kind: "end", outcome })),
    fc.integer({ min: 0, max: 600 }).map((ms): Step => ({ kind: "wait", ms })),
  )

  it.prop(
    "never has two probes in flight, and never admits a call while open",
    [fc.array(stepArb, { minLength: 10, maxLength: 80, size: "max" })],
    ([steps]) => {
      let b = initialBreaker
      let now = 0
      const inFlight: Array<Permit> = []
      for (const step of steps) {
        if (step.kind === "wait") now += step.ms
        else if (step.kind === "start") {
          const wasOpen = b._tag === "open" && now < b.until
          const [permit, next] = admit(b, now)
          if (wasOpen) expect(permit).toBeNull()
          b = next
          if (permit !== null) inFlight.push(permit)
        } else {
          const permit = inFlight.shift()
          if (permit !== undefined) b = settle(b, permit, step.outcome, now, quick)
        }
        const probes = inFlight.filter((p) => p.probe && p.generation === b.generation)
        expect(probes.length).toBeLessThanOrEqual(1)
        if (b._tag === "half_open") expect(b.probing).toBe(probes.length === 1)
      }
    },
  )
})
