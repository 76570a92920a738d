/** A named benchmark figure as stored in bench/results.json. */
export interface Figure {
  readonly value: number
  readonly unit: string
}

export type Figures = Record<string, Figure>

/** Median of several timed runs of `f`, in milliseconds. */
export const medianMs = (runs: number, f: () => void): number => {
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    f()
    times.push(performance.now() - start)
  }
  return median(times)
}

/** Median of several timed runs of an async `f`, in milliseconds. */
export const medianMsAsync = async (runs: number, f: () => Promise<unknown>): Promise<number> => {
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await f()
    times.push(performance.now() - start)
  }
  return median(times)
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

export const round = (n: number, digits = 3): number => Number(n.toFixed(digits))

/** The value at or below which a fraction `p` of `values` lies (nearest rank). */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `condition` every few milliseconds until it holds, or fails naming `what`. */
export const waitFor = async (condition: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

/**
 * Whether a measured value meets the target its label states (`≥ 1,000`, `≤ 1.5`, `= 0`): ✅ or
 * ❌; a label without a bound is a figure to read, not a target.
 */
export const verdict = (label: string, measured: string): string => {
  const bound = /(≥|≤|=)\s*([\d,.]+)\s*$/.exec(label)
  const value = Number(measured)
  if (bound === null || Number.isNaN(value)) return ""
  const limit = Number((bound[2] ?? "").replace(/,/g, ""))
  const ok = bound[1] === "≥" ? value >= limit : bound[1] === "≤" ? value <= limit : value === limit
  return ok ? "✅" : "❌"
}
