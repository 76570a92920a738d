import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import {
  BUCKET_COUNT,
  BUCKET_UPPER_MS,
  bucketOf,
  fractionWithin,
  percentile,
  rankOf,
} from "../../src/core/Histogram.js"
import { runs } from "../support/properties.js"

const RUNS = runs(300)

const histogramOf = (samples: ReadonlyArray<number>): Array<number> => {
  const buckets = new Array<number>(BUCKET_COUNT).fill(0)
  for (const s of samples) {
    const b = bucketOf(s)
    buckets[b] = (buckets[b] ?? 0) + 1
  }
  return buckets
}

/** The nearest-rank p-quantile of the raw samples. */
const exactPercentile = (samples: ReadonlyArray<number>, p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[rankOf(sorted.length, p) - 1] ?? Number.NaN
}

const estimate = (samples: ReadonlyArray<number>, p: number): number | null =>
  percentile(histogramOf(samples), samples.length, Math.min(...samples), Math.max(...samples), p)

// Durations from 0 to ≈ 60 h, denser at the short end like real response times.
const sampleArb = fc.oneof(
  fc.integer({ min: 0, max: 5_000 }),
  fc.integer({ min: 0, max: 3_600_000 }),
  fc.integer({ min: 0, max: 216_000_000 }),
)
const samplesArb = fc.array(sampleArb, { minLength: 1, maxLength: 200 })

describe("Histogram buckets", () => {
  it("has the fixed boundaries round(1000 · 2^(k/2)) for k = 0…34, then overflow", () => {
    expect(BUCKET_COUNT).toBe(36)
    for (let k = 0; k <= 34; k++) expect(BUCKET_UPPER_MS[k]).toBe(Math.round(1000 * 2 ** (k / 2)))
    expect(BUCKET_UPPER_MS[35]).toBe(Number.POSITIVE_INFINITY)
  })

  it("puts each duration in the bucket (upper[i-1], upper[i]]", () => {
    expect(bucketOf(0)).toBe(0)
    expect(bucketOf(1000)).toBe(0)
    expect(bucketOf(1001)).toBe(1)
    expect(bucketOf(1414)).toBe(1)
    expect(bucketOf(1415)).toBe(2)
    expect(bucketOf(300_000)).toBe(17)
    expect(bucketOf(131_072_000)).toBe(34)
    expect(bucketOf(131_072_001)).toBe(35)
    expect(bucketOf(-5)).toBe(0)
    expect(bucketOf(Number.NaN)).toBe(0)
  })

  it.prop(
    "agrees with a linear scan for any duration",
    [fc.integer({ min: 0, max: 300_000_000 })],
    ([ms]) => {
      const linear = BUCKET_UPPER_MS.findIndex((upper) => ms <= upper)
      expect(bucketOf(ms)).toBe(linear)
    },
  )
})

describe("percentile", () => {
  it("returns the upper bound of the bucket holding the rank, clamped into [min, max]", () => {
    // 10 samples: 1 s ×5, 3 s ×4, 100 s ×1.
    const samples = [...new Array<number>(5).fill(1000), ...new Array<number>(4).fill(3000), 100_000]
    expect(estimate(samples, 0.5)).toBe(1000)
    expect(estimate(samples, 0.9)).toBe(4000)
    expect(estimate(samples, 1)).toBe(100_000)
    expect(estimate([42_000], 0.5)).toBe(42_000)
    expect(percentile(new Array<number>(BUCKET_COUNT).fill(0), 0, 0, 0, 0.5)).toBeNull()
  })

  it("returns the maximum for samples in the overflow bucket", () => {
    expect(estimate([200_000_000, 300_000_000], 0.9)).toBe(300_000_000)
  })

  it.prop(
    "is within one bucket of the exact percentile, never below it, inside [min, max]",
    [samplesArb, fc.oneof(fc.constantFrom(0.5, 0.9), fc.double({ min: 0, max: 1, noNaN: true }))],
    ([samples, p]) => {
      const exact = exactPercentile(samples, p)
      const est = estimate(samples, p)
      expect(est).not.toBeNull()
      if (est === null) return
      expect(Math.abs(bucketOf(est) - bucketOf(exact))).toBeLessThanOrEqual(1)
      expect(est).toBeGreaterThanOrEqual(exact)
      expect(est).toBeGreaterThanOrEqual(Math.min(...samples))
      expect(est).toBeLessThanOrEqual(Math.max(...samples))
    },
    RUNS,
  )
})

describe("fractionWithin", () => {
  it("interpolates inside the bucket that straddles the target", () => {
    // Bucket 16 is (181019, 256000]: a target halfway through it counts half of its samples.
    const buckets = histogramOf([200_000, 200_000, 60_000, 60_000])
    expect(fractionWithin(buckets, 4, (181_019 + 256_000) / 2)).toBeCloseTo(0.75, 10)
    expect(fractionWithin(buckets, 4, 256_000)).toBe(1)
    expect(fractionWithin(buckets, 4, 64_000)).toBe(0.5)
    expect(fractionWithin(buckets, 0, 1000)).toBeNull()
  })

  it("never counts overflow samples as within target", () => {
    expect(fractionWithin(histogramOf([500, 200_000_000]), 2, 1e12)).toBe(0.5)
  })

  it.prop(
    "is exact when the target is a bucket boundary",
    [samplesArb, fc.integer({ min: 0, max: 34 })],
    ([samples, k]) => {
      const target = BUCKET_UPPER_MS[k] ?? 0
      const exact = samples.filter((s) => s <= target).length / samples.length
      expect(fractionWithin(histogramOf(samples), samples.length, target)).toBeCloseTo(exact, 12)
    },
    RUNS,
  )

  it.prop(
    "lies between the exact fractions at the straddling bucket's bounds",
    [samplesArb, fc.integer({ min: 0, max: 140_000_000 })],
    ([samples, target]) => {
      const b = bucketOf(target)
      const lo = b === 0 ? -1 : (BUCKET_UPPER_MS[b - 1] ?? 0)
      const hi = BUCKET_UPPER_MS[b] ?? 0
      const share = (t: number) => samples.filter((s) => s <= t).length / samples.length
      const f = fractionWithin(histogramOf(samples), samples.length, target) ?? Number.NaN
      expect(f).toBeGreaterThanOrEqual(share(lo) - 1e-12)
      expect(f).toBeLessThanOrEqual(share(hi) + 1e-12)
    },
    RUNS,
  )
})

describe("fractionWithin the first bucket", () => {
  it("spreads the first bucket's samples evenly over [0, 1 s]", () => {
    const buckets = new Array<number>(BUCKET_COUNT).fill(0)
    buckets[0] = 2
    expect(fractionWithin(buckets, 2, 500)).toBeCloseTo(0.5, 10)
    expect(fractionWithin(buckets, 2, 0)).toBe(0)
    expect(fractionWithin(buckets, 2, 1_000)).toBe(1)
  })
})
