/**
 * A circuit breaker as a pure state machine: `admit` decides whether a call may run, `settle`
 * records how it ended. Time is a parameter; the shell keeps the state in a Ref.
 *
 * - closed: every call runs; `failureThreshold` consecutive failures open it.
 * - open: calls fail fast until `cooldownMs` has passed, then the next call becomes the probe.
 * - half_open: exactly one probe at a time, others fail fast; `successThreshold` successful
 *   probes in a row close it, a failed probe reopens it, a neutral one frees the slot.
 *
 * Each state change starts a new generation; a call admitted in an earlier generation (a slow
 * call that outlived the state it started in) does not move the breaker.
 */

export interface BreakerSettings {
  readonly failureThreshold: number
  readonly successThreshold: number
  readonly cooldownMs: number
}

export type BreakerState =
  | { readonly _tag: "closed"; readonly generation: number; readonly failures: number }
  | { readonly _tag: "open"; readonly generation: number; readonly until: number }
  | {
      readonly _tag: "half_open"
      readonly generation: number
      readonly probing: boolean
      readonly successes: number
    }

export type BreakerStatus = BreakerState["_tag"]

/** How a call ended, for the breaker: a neutral outcome (4xx, 429, interruption) is neither. */
export type Outcome = "success" | "failure" | "neutral"

export interface Permit {
  readonly generation: number
  readonly probe: boolean
}

export const initialBreaker: BreakerState = { _tag: "closed", generation: 0, failures: 0 }

const open = (generation: number, now: number, s: BreakerSettings): BreakerState => ({
  _tag: "open",
  generation: generation + 1,
  until: now + s.cooldownMs,
})

/** Whether a call may run now (a permit, or null to fail fast) and the breaker after asking. */
export const admit = (b: BreakerState, now: number): readonly [Permit | null, BreakerState] => {
  switch (b._tag) {
    case "closed":
      return [{ generation: b.generation, probe: false }, b]
    case "open": {
      if (now < b.until) return [null, b]
      const generation = b.generation + 1
      return [
        { generation, probe: true },
        { _tag: "half_open", generation, probing: true, successes: 0 },
      ]
    }
    case "half_open":
      return b.probing
        ? [null, b]
        : [
            { generation: b.generation, probe: true },
            { ...b, probing: true },
          ]
  }
}

/** The breaker after a call admitted with `permit` ended with `outcome`. */
export const settle = (
  b: BreakerState,
  permit: Permit,
  outcome: Outcome,
  now: number,
  s: BreakerSettings,
): BreakerState => {
  if (permit.generation !== b.generation) return b
  switch (b._tag) {
    case "closed":
      // Stryker disable next-line ConditionalExpression: a shortcut that keeps the same state; a copy is equal.
      if (outcome === "success") return b.failures === 0 ? b : { ...b, failures: 0 }
      if (outcome === "neutral") return b
      return b.failures + 1 >= s.failureThreshold
        ? open(b.generation, now, s)
        : { ...b, failures: b.failures + 1 }
    case "open":
      return b
    case "half_open": {
      // Stryker disable next-line ConditionalExpression,BooleanLiteral: every permit of a half-open generation is a probe; a guard against a future one that is not.
      if (!permit.probe) return b
      if (outcome === "failure") return open(b.generation, now, s)
      if (outcome === "neutral") return { ...b, probing: false }
      const successes = b.successes + 1
      return successes >= s.successThreshold
        ? // Stryker disable next-line ArithmeticOperator: a generation only has to differ from those of calls still out.
          { _tag: "closed", generation: b.generation + 1, failures: 0 }
        : { ...b, probing: false, successes }
    }
  }
}

/** What the next call would find: an open breaker whose cool-down is over reads as half_open. */
export const statusOf = (b: BreakerState, now: number): BreakerStatus =>
  b._tag === "open" && now >= b.until ? "half_open" : b._tag
