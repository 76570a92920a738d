/**
 * A fixed log-scale histogram of durations in whole milliseconds.
 *
 * Every day, every process and every report uses the same boundaries, so the bucket counts of
 * any two days can simply be added and percentiles still come out of the sum. Bucket `i` covers
 * `(BUCKET_UPPER_MS[i-1], BUCKET_UPPER_MS[i]]` (bucket 0 covers `[0, 1000]`); the last bucket
 * catches everything above ≈36 h.
 */

/**
 * Upper bounds `round(1000 · 2^(k/2))` ms for k = 0…34 (1 s … ≈36.4 h), then the overflow bucket.
 * Written out rather than computed: stored histograms live for a year, and their meaning must not
 * depend on a platform's `Math.pow` rounding or on someone "tidying" the formula.
 */
export const BUCKET_UPPER_MS: ReadonlyArray<number> = [
  1000,
  1414,
  2000,
  2828,
  4000,
  5657,
  8000,
  11314,
  16000,
  22627,
  32000,
  45255,
  64000,
  90510,
  128000,
  181019,
  256000,
  362039,
  512000,
  724077,
  1024000,
  1448155,
  2048000,
  2896309,
  4096000,
  5792619,
  8192000,
  11585238,
  16384000,
  23170475,
  32768000,
  46340950,
  65536000,
  92681900,
  131072000,
  Number.POSITIVE_INFINITY,
]

/** Number of buckets, overflow included. */
export const BUCKET_COUNT = BUCKET_UPPER_MS.length

const upper = (i: number): number => BUCKET_UPPER_MS[i] ?? Number.POSITIVE_INFINITY
const lower = (i: number): number => (i <= 0 ? 0 : upper(i - 1))

/** Index of the bucket holding a duration; negative or NaN durations fall in bucket 0. */
export const bucketOf = (ms: number): number => {
  if (!(ms > upper(0))) return 0
  // Smallest i with ms <= upper(i); the overflow bound is +Infinity, so it always exists.
  let lo = 1
  // Stryker disable next-line ArithmeticOperator: a higher start lands on the same bound (the overflow bucket is +Infinity).
  let hi = BUCKET_COUNT - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ms <= upper(mid)) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * Nearest-rank position (1-based) of the p-quantile among `count` samples. The small epsilon keeps
 * p·count from rounding up across an integer through floating-point noise (0.3·10 ≠ 3 in binary).
 */
export const rankOf = (count: number, p: number): number => {
  const q = Math.min(1, Math.max(0, Number.isNaN(p) ? 0 : p))
  return Math.min(count, Math.max(1, Math.ceil(q * count - 1e-9)))
}

/**
 * The p-quantile (0 ≤ p ≤ 1) estimated as the upper bound of the bucket holding its rank,
 * clamped into [min, max]; null when there are no samples.
 */
export const percentile = (
  buckets: ReadonlyArray<number>,
  count: number,
  min: number,
  max: number,
  p: number,
): number | null => {
  if (!(count > 0)) return null
  const rank = rankOf(count, p)
  let seen = 0
  // Stryker disable next-line EqualityOperator: one step past the last bucket reads nothing.
  for (let i = 0; i < BUCKET_COUNT; i++) {
    seen += buckets[i] ?? 0
    if (seen >= rank) return Math.min(max, Math.max(min, upper(i)))
  }
  // Buckets that sum to less than `count` are inconsistent; the largest sample is the safe answer.
  return max
}

/**
 * Fraction of samples ≤ `targetMs`; null when there are none. Inside the bucket that straddles
 * the target the samples are assumed evenly spread (linear interpolation), so the result is exact
 * when the target is a bucket boundary and an estimate otherwise. Overflow samples (> ≈36 h)
 * never count as within target.
 */
export const fractionWithin = (
  buckets: ReadonlyArray<number>,
  count: number,
  targetMs: number,
): number | null => {
  if (!(count > 0)) return null
  let within = 0
  // Stryker disable next-line EqualityOperator: one step past the last bucket reads nothing.
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const n = buckets[i] ?? 0
    const hi = upper(i)
    const lo = lower(i)
    // Stryker disable next-line EqualityOperator: at a bucket's bounds the interpolation gives all or nothing, as these tests do.
    const whole = hi <= targetMs
    // Stryker disable next-line EqualityOperator: see above.
    const part = lo < targetMs && Number.isFinite(hi)
    if (whole) within += n
    else if (part) within += (n * (targetMs - lo)) / (hi - lo)
  }
  return Math.min(1, Math.max(0, within / count))
}
