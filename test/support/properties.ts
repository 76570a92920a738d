import { FastCheck as fc } from "effect"

/**
 * How many generated cases a property runs, scaled by `ASH_PROPERTY_RUNS_SCALE` (default 1).
 * Mutation testing (`npm run mutate`) runs every core test once per mutant and scales them down;
 * `npm test` always runs them in full.
 */
const SCALE = Number(process.env.ASH_PROPERTY_RUNS_SCALE ?? "1")

export const scaledRuns = (n: number): number =>
  Number.isFinite(SCALE) && SCALE > 0 ? Math.max(10, Math.round(n * SCALE)) : n

/** Options for `it.prop` with `n` runs, scaled. */
export const runs = (n: number) => ({ fastCheck: { numRuns: scaledRuns(n) } })

/** Scales fast-check's default of 100 runs as well. */
export const scaleDefaultRuns = (): void => {
  fc.configureGlobal({ numRuns: scaledRuns(100) })
}
