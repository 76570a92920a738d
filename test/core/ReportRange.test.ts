import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { reportRange } from "../../src/core/ReportRange.js"

const TODAY = "2026-11-28"

describe("the days a /metrics report covers", () => {
  it("the last seven days up to today by default, or the last `days`", () => {
    expect(reportRange({}, TODAY)).toEqual(Either.right({ firstDay: "2026-11-22", days: 7 }))
    expect(reportRange({ days: 1 }, TODAY)).toEqual(Either.right({ firstDay: TODAY, days: 1 }))
    expect(reportRange({ days: 366 }, TODAY)).toEqual(Either.right({ firstDay: "2025-11-28", days: 366 }))
  })

  it("from–to, both days included", () => {
    expect(reportRange({ from: "2026-11-01", to: "2026-11-28" }, TODAY)).toEqual(
      Either.right({ firstDay: "2026-11-01", days: 28 }),
    )
    expect(reportRange({ from: "2026-11-28", to: "2026-11-28" }, TODAY)).toEqual(
      Either.right({ firstDay: TODAY, days: 1 }),
    )
  })

  it.each([
    [{ days: 0 }, "whole number from 1 to 366"],
    [{ days: 367 }, "whole number from 1 to 366"],
    [{ days: 2.5 }, "whole number from 1 to 366"],
    [{ days: 7, from: "2026-11-01", to: "2026-11-07" }, "not both"],
    [{ from: "2026-11-01" }, "both `from` and `to`"],
    [{ to: "2026-11-01" }, "both `from` and `to`"],
    [{ from: "2026-11-31", to: "2026-12-01" }, "YYYY-MM-DD"],
    [{ from: "yesterday", to: "2026-12-01" }, "YYYY-MM-DD"],
    [{ from: "2026-11-02", to: "2026-11-01" }, "must not be after"],
    [{ from: "2024-01-01", to: "2026-11-01" }, "at most 366 days"],
  ])("%j is refused, saying why", (options, why) => {
    const range = reportRange(options, TODAY)
    expect(Either.isLeft(range) ? range.left : "").toContain(why)
  })
})
