import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { PNG } from "pngjs"
import { empty } from "../../src/core/DailyAggregate.js"
import { reportChartData } from "../../src/core/ReportChart.js"
import { summarize } from "../../src/core/WeeklySummary.js"
import { CHART_HEIGHT, CHART_WIDTH, chartSvg, renderReportChart } from "../../src/shell/ReportChartImage.js"
import { daysOf, mergedOf, PREVIOUS_ALERTS, WEEK_ALERTS } from "../core/reportFixture.js"

const targets = { acknowledge: 300_000 }
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The distinct colours of a decoded PNG, and how much of the image is not white. */
const pixelsOf = (png: Uint8Array) => {
  const image = PNG.sync.read(Buffer.from(png))
  const colours = new Set<number>()
  let inked = 0
  for (let i = 0; i < image.data.length; i += 4) {
    const [r = 0, g = 0, b = 0] = [image.data[i], image.data[i + 1], image.data[i + 2]]
    colours.add((r << 16) | (g << 8) | b)
    if (r < 200 || g < 200 || b < 200) inked += 1
  }
  return {
    width: image.width,
    height: image.height,
    colours: colours.size,
    palette: colours,
    inked: inked / (image.width * image.height),
  }
}

describe("the report chart image", () => {
  it.effect("is a PNG of the declared size, drawn in several colours, with the severities' own", () =>
    Effect.gen(function* () {
      const data = reportChartData(
        summarize({ days: daysOf(WEEK_ALERTS), previous: mergedOf(PREVIOUS_ALERTS), targets }),
        "UTC",
      )
      const png = yield* renderReportChart(data)
      expect([...png.subarray(0, 8)]).toEqual(SIGNATURE)
      expect(png.length).toBeGreaterThan(20_000)
      const pixels = pixelsOf(png)
      expect([pixels.width, pixels.height]).toEqual([CHART_WIDTH, CHART_HEIGHT])
      expect(pixels.colours).toBeGreaterThan(50)
      for (const severity of [0xe74c3c, 0xe67e22, 0xf1c40f]) expect(pixels.palette.has(severity)).toBe(true)
      expect(pixels.inked).toBeGreaterThan(0.02)
    }),
  )

  it("sets its text in the shipped font, and marks the target", async () => {
    const data = reportChartData(
      summarize({ days: daysOf(WEEK_ALERTS), previous: mergedOf(PREVIOUS_ALERTS), targets }),
      "UTC",
    )
    const svg = await Effect.runPromise(chartSvg(data))
    expect(svg).toContain("DejaVu Sans")
    expect(svg).toContain("target 5m")
    expect(svg).toContain("Alerts per day, by severity")
    expect(svg).toContain("Coverage by hour of day")
    // Each hour's median says how many acknowledgements it stands for (two at 14:00, one at 09:00).
    expect(svg).toContain("n=2")
    expect(svg).toContain("n=1")
  })

  it.effect("draws an empty period legibly, saying it had no alerts", () =>
    Effect.gen(function* () {
      const data = reportChartData(
        summarize({ days: [{ day: "2026-01-05", aggregate: empty }], previous: empty, targets }),
        "UTC",
      )
      expect(yield* chartSvg(data)).toContain("No alerts in this period")
      const pixels = pixelsOf(yield* renderReportChart(data))
      expect(pixels.colours).toBeGreaterThan(10)
      expect(pixels.inked).toBeGreaterThan(0.001)
    }),
  )
})
