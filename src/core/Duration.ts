/**
 * Human-readable durations for embeds and reports: the two largest units, truncated.
 */

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const pair = (big: number, bigUnit: string, small: number, smallUnit: string): string =>
  small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit} ${small}${smallUnit}`

/**
 * `45s`, `2m 45s`, `1h 23m`, `2d 3h`; a zero second part is left out (`3m`). Truncates rather
 * than rounds, so a response is never shown as slower than it was; a positive duration under a
 * second is `<1s`, so it cannot be mistaken for the 0 of a skewed clock.
 */
export const formatDuration = (ms: number): string => {
  if (ms === Number.POSITIVE_INFINITY) return "∞"
  if (!(ms > 0)) return "0s"
  if (ms < SECOND) return "<1s"
  const t = Math.floor(ms)
  if (t < MINUTE) return `${Math.floor(t / SECOND)}s`
  if (t < HOUR) return pair(Math.floor(t / MINUTE), "m", Math.floor((t % MINUTE) / SECOND), "s")
  if (t < DAY) return pair(Math.floor(t / HOUR), "h", Math.floor((t % HOUR) / MINUTE), "m")
  return pair(Math.floor(t / DAY), "d", Math.floor((t % DAY) / HOUR), "h")
}
