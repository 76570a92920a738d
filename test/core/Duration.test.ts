import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { formatDuration } from "../../src/core/Duration.js"

const S = 1_000
const M = 60 * S
const H = 60 * M
const D = 24 * H

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [-5_000, "0s"],
    [Number.NaN, "0s"],
    [1, "<1s"],
    [999, "<1s"],
    [1_000, "1s"],
    [45 * S, "45s"],
    [59_999, "59s"],
    [M, "1m"],
    [2 * M + 45 * S, "2m 45s"],
    [3 * M, "3m"],
    [H - 1, "59m 59s"],
    [H, "1h"],
    [H + 23 * M + 59 * S, "1h 23m"],
    [D - 1, "23h 59m"],
    [D, "1d"],
    [2 * D + 3 * H + 59 * M, "2d 3h"],
    [400 * D, "400d"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it.prop("never shows more time than there was", [fc.integer({ min: 1_000, max: 1_000 * D })], ([ms]) => {
    const units: Record<string, number> = { d: D, h: H, m: M, s: S }
    const shown = formatDuration(ms)
      .split(" ")
      .reduce((sum, part) => sum + Number(part.slice(0, -1)) * (units[part.slice(-1)] ?? Number.NaN), 0)
    expect(shown).toBeLessThanOrEqual(ms)
    expect(shown).toBeGreaterThan(0)
  })
})
