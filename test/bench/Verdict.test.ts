import { describe, expect, it } from "vitest"
import { verdict } from "../../bench/Figures.js"

describe("the benchmark table's verdict", () => {
  it("reads the bound from the target's label", () => {
    expect(verdict("core.transitions_per_sec ≥ 1,000,000", "1259727")).toBe("✅")
    expect(verdict("core.transitions_per_sec ≥ 1,000,000", "537705")).toBe("❌")
    expect(verdict("report.week_ms_100k_alerts / report.week_ms_1k_alerts ≤ 1.5", "1.00")).toBe("✅")
    expect(verdict("intake.alert_latency_p99_ms ≤ 50", "53.7")).toBe("❌")
    expect(verdict("timers.duplicate_contacts = 0", "0")).toBe("✅")
    expect(verdict("timers.duplicate_contacts = 0", "2")).toBe("❌")
  })

  it("gives none for a figure without a bound, or a value that is not a number", () => {
    expect(verdict("report.chart_ms", "246.2")).toBe("")
    expect(verdict("intake.msgs_per_sec ≥ 1,000", "n/a")).toBe("")
  })
})
