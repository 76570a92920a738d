import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { calendarOf } from "../../src/core/Calendar.js"
import {
  instantOf,
  isoWeekOf,
  latestOccasion,
  nextOccasion,
  offsetMsAt,
  type ReportSchedule,
} from "../../src/core/ReportSchedule.js"

const MONDAY_9_BERLIN: ReportSchedule = { weekday: 1, hour: 9, timeZone: "Europe/Berlin" }

describe("when the weekly report is due", () => {
  it("the most recent Monday 09:00 in the report timezone, not in the future, and the week before it", () => {
    // Monday 2026-11-23 08:30 in Berlin (UTC+1): that day's report is still ahead.
    const before = Date.parse("2026-11-23T07:30:00Z")
    expect(latestOccasion(before, MONDAY_9_BERLIN)).toEqual({
      at: Date.parse("2026-11-16T08:00:00Z"),
      day: "2026-11-16",
      week: "2026-W47",
      firstDay: "2026-11-09",
      lastDay: "2026-11-15",
    })
    const at = Date.parse("2026-11-23T08:00:00Z")
    expect(latestOccasion(at, MONDAY_9_BERLIN)).toMatchObject({ at, day: "2026-11-23", week: "2026-W48" })
    const next = nextOccasion(latestOccasion(at, MONDAY_9_BERLIN), MONDAY_9_BERLIN)
    expect(next).toMatchObject({
      at: Date.parse("2026-11-30T08:00:00Z"),
      firstDay: "2026-11-23",
      lastDay: "2026-11-29",
    })
  })

  it("keeps the local hour across a clock change", () => {
    // Berlin moves to summer time on Sunday 2026-03-29: Monday 09:00 is 08:00Z before, 07:00Z after.
    const before = latestOccasion(Date.parse("2026-03-25T12:00:00Z"), MONDAY_9_BERLIN)
    expect(before.at).toBe(Date.parse("2026-03-23T08:00:00Z"))
    expect(nextOccasion(before, MONDAY_9_BERLIN).at).toBe(Date.parse("2026-03-30T07:00:00Z"))
  })

  it("handles half-hour offsets and the instant of a local hour", () => {
    expect(offsetMsAt(Date.parse("2026-11-28T00:00:00Z"), "Asia/Kolkata")).toBe(330 * 60_000)
    expect(offsetMsAt(0, "UTC")).toBe(0)
    expect(offsetMsAt(Date.parse("2026-07-01T00:00:00Z"), "America/New_York")).toBe(-240 * 60_000)
    expect(instantOf("2026-11-30", 9, "Asia/Kolkata")).toBe(Date.parse("2026-11-30T03:30:00Z"))
    // The evening before New Zealand leaves summer time (13 h ahead then, 12 h after): still +13.
    expect(instantOf("2026-04-04", 20, "Pacific/Auckland")).toBe(Date.parse("2026-04-04T07:00:00Z"))
  })

  it("is always the given weekday and hour, at or before now, and less than a week ago", () => {
    const zones = [
      "UTC",
      "Europe/Berlin",
      "America/New_York",
      "Asia/Kolkata",
      "Australia/Sydney",
      "Pacific/Auckland",
    ]
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("2024-01-01"), max: Date.parse("2030-12-31") }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(...zones),
        (now, weekday, hour, timeZone) => {
          const o = latestOccasion(now, { weekday, hour, timeZone })
          expect(o.at).toBeLessThanOrEqual(now)
          expect(now - o.at).toBeLessThan(7 * 86_400_000 + 3_600_000)
          const local = calendarOf(o.at, timeZone)
          expect(local.day).toBe(o.day)
          // Only an hour a clock change skips lands an hour later.
          expect([hour, (hour + 1) % 24]).toContain(local.hour)
          expect(new Date(`${o.day}T00:00:00Z`).getUTCDay()).toBe(weekday)
        },
      ),
    )
  })

  it("names each week once by its ISO-8601 week", () => {
    expect(isoWeekOf("2026-11-23")).toBe("2026-W48")
    expect(isoWeekOf("2026-11-29")).toBe("2026-W48")
    expect(isoWeekOf("2026-11-30")).toBe("2026-W49")
    // Days of a year's edge belong to the week that holds their Thursday.
    expect(isoWeekOf("2027-01-01")).toBe("2026-W53")
    expect(isoWeekOf("2025-12-29")).toBe("2026-W01")
    expect(isoWeekOf("2021-01-03")).toBe("2020-W53")
    expect(isoWeekOf("2024-12-30")).toBe("2025-W01")
  })
})
