import { describe, expect, it } from "@effect/vitest"
import { empty } from "../../src/core/DailyAggregate.js"
import { reportChartData } from "../../src/core/ReportChart.js"
import { summarize } from "../../src/core/WeeklySummary.js"
import { daysOf, mergedOf, PREVIOUS_ALERTS, WEEK_ALERTS } from "./reportFixture.js"

const targets = { acknowledge: 300_000, first_response: 900_000 }
const week = () => summarize({ days: daysOf(WEEK_ALERTS), previous: mergedOf(PREVIOUS_ALERTS), targets })

describe("reportChartData", () => {
  it("stacks each day's alerts by severity, critical first, with weekday labels", () => {
    const data = reportChartData(week(), "UTC")
    expect(data.days.labels).toEqual(["Mon 05", "Tue 06", "Wed 07", "Thu 08", "Fri 09", "Sat 10", "Sun 11"])
    expect(data.days.series.map((s) => s.severity)).toEqual(["critical", "high", "medium"])
    expect(data.days.series[0]?.counts).toEqual([1, 0, 0, 0, 0, 0, 0])
    expect(data.days.series[1]?.counts).toEqual([1, 1, 0, 0, 0, 0, 0])
    expect(data.days.series[2]?.counts).toEqual([0, 1, 0, 0, 0, 0, 0])
    expect(data.subtitle).toBe("2026-01-05 – 2026-01-11 · 4 alerts · hours in UTC")
    expect(data.empty).toBe(false)
  })

  it("shows the acknowledgement histogram from its first sample's bucket to the target's, target marked", () => {
    // Samples 60 s (≤ 64 s), 120 s (≤ 128 s), 200 s (≤ 256 s); the 5-minute target is in ≤ 362 s.
    const ack = reportChartData(week(), "UTC").acknowledge
    expect(ack.bars.map((b) => b.label)).toEqual([
      "≤1m 4s",
      "≤1m 30s",
      "≤2m 8s",
      "≤3m 1s",
      "≤4m 16s",
      "≤6m 2s",
    ])
    expect(ack.bars.map((b) => b.value)).toEqual([1, 0, 1, 0, 1, 0])
    expect(ack.targetIndex).toBe(5)
    expect(ack.targetLabel).toBe("target 5m")
    expect(ack.n).toBe(3)
  })

  it("gives every hour its alerts and the median time to acknowledge in minutes, none where nothing was acknowledged", () => {
    const hours = reportChartData(week(), "UTC").hours
    expect(hours.labels).toHaveLength(24)
    expect(hours.labels[9]).toBe("09")
    expect(hours.alerts[14]).toBe(2)
    expect(hours.medianMinutes[14]).toBe(1.07)
    expect(hours.medianMinutes[9]).toBe(4.27)
    expect(hours.medianMinutes[10]).toBeNull()
    expect(hours.n[9]).toBe(1)
  })

  it("says a period without alerts is empty, with no histogram", () => {
    const data = reportChartData(
      summarize({ days: [{ day: "2026-01-05", aggregate: empty }], previous: empty, targets }),
      "UTC",
    )
    expect(data.empty).toBe(true)
    expect(data.acknowledge.bars).toEqual([])
    expect(data.acknowledge.targetIndex).toBeNull()
  })
})
