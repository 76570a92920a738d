/**
 * The report's chart as a PNG, drawn in-process: Apache ECharts lays the chart out as SVG
 * (server-side rendering, no DOM, no canvas) and resvg rasterises it (prebuilt binaries from
 * npm, no system Cairo) on libuv's thread pool. Text is set in DejaVu Sans, shipped as an npm
 * package, so the image reads the same on a machine without fonts. Both libraries are loaded on
 * the first chart, not at start-up: a missing native binary costs the picture, never the bot.
 */
import { createRequire } from "node:module"
import type {
  EChartsOption,
  GridComponentOption,
  SeriesOption,
  XAXisComponentOption,
  YAXisComponentOption,
} from "echarts"
import { Context, Data, Effect, Layer } from "effect"
import { type ReportChartData, SEVERITY_LABEL } from "../core/ReportChart.js"

export const CHART_WIDTH = 1200
export const CHART_HEIGHT = 1280
export const CHART_FILE_NAME = "crt-report.png"

const require = createRequire(import.meta.url)
const FONT_FAMILY = "DejaVu Sans"
const FONT_FILES = ["dejavu-fonts-ttf/ttf/DejaVuSans.ttf", "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf"]

/** The chart could not be drawn. */
export class ChartError extends Data.TaggedError("ChartError")<{ readonly message: string }> {}

const SEVERITY_COLOR = { critical: "#e74c3c", high: "#e67e22", medium: "#f1c40f" } as const
const TEXT = "#2c3e50"
const MUTED = "#7f8c8d"

interface Panel {
  readonly grid: GridComponentOption
  readonly xAxis: XAXisComponentOption
  readonly yAxis: ReadonlyArray<YAXisComponentOption>
  readonly series: ReadonlyArray<SeriesOption>
}

const panelTitle = (text: string, top: number) => ({
  text,
  left: 60,
  top,
  textStyle: { fontSize: 18, fontWeight: "bold" as const, color: TEXT },
})

const daysPanel = (data: ReportChartData): Panel => ({
  grid: { left: 70, right: 70, top: 140, height: 270 },
  xAxis: { type: "category", data: [...data.days.labels], gridIndex: 0 },
  yAxis: [{ type: "value", minInterval: 1, gridIndex: 0 }],
  series: data.days.series.map((s) => ({
    name: SEVERITY_LABEL[s.severity],
    type: "bar",
    stack: "severity",
    xAxisIndex: 0,
    yAxisIndex: 0,
    data: [...s.counts],
    itemStyle: { color: SEVERITY_COLOR[s.severity] },
  })),
})

const acknowledgePanel = (data: ReportChartData): Panel => {
  const ack = data.acknowledge
  const target = ack.targetIndex === null ? undefined : ack.bars[ack.targetIndex]?.label
  return {
    grid: { left: 70, right: 70, top: 530, height: 260 },
    xAxis: { type: "category", data: ack.bars.map((b) => b.label), gridIndex: 1 },
    yAxis: [{ type: "value", minInterval: 1, gridIndex: 1 }],
    series: [
      {
        name: `${ack.label} (n = ${ack.n})`,
        type: "bar",
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: ack.bars.map((b) => b.value),
        itemStyle: { color: "#3498db" },
        ...(target === undefined
          ? {}
          : {
              markLine: {
                symbol: "none",
                silent: true,
                lineStyle: { color: "#c0392b", width: 2, type: "dashed" },
                label: { formatter: ack.targetLabel ?? "target", color: "#c0392b", fontSize: 14 },
                data: [{ xAxis: target }],
              },
            }),
      },
    ],
  }
}

const hoursPanel = (data: ReportChartData): Panel => ({
  grid: { left: 70, right: 70, top: 930, height: 270 },
  xAxis: { type: "category", data: [...data.hours.labels], gridIndex: 2 },
  yAxis: [
    { type: "value", minInterval: 1, gridIndex: 2 },
    { type: "value", gridIndex: 2, name: "median, minutes", splitLine: { show: false } },
  ],
  series: [
    {
      name: "Alerts created in the hour",
      type: "bar",
      xAxisIndex: 2,
      yAxisIndex: 2,
      data: [...data.hours.alerts],
      itemStyle: { color: "#95a5a6" },
    },
    {
      name: `Median ${data.hours.clockLabel.toLowerCase()}`,
      type: "line",
      xAxisIndex: 2,
      yAxisIndex: 3,
      connectNulls: false,
      data: data.hours.medianMinutes.map((m) => (m === null ? "-" : m)),
      itemStyle: { color: "#8e44ad" },
      lineStyle: { width: 3 },
      symbolSize: 8,
      // Each median with the number of acknowledgements it is the median of.
      label: {
        show: true,
        position: "top",
        fontSize: 11,
        color: "#8e44ad",
        formatter: (p: { readonly dataIndex: number }) => `n=${data.hours.n[p.dataIndex] ?? 0}`,
      },
    },
  ],
})

/** The ECharts option of the whole image: three panels, one above the other. */
export const chartOption = (data: ReportChartData): EChartsOption => {
  const panels = [daysPanel(data), acknowledgePanel(data), hoursPanel(data)]
  return {
    animation: false,
    backgroundColor: "#ffffff",
    textStyle: { fontFamily: FONT_FAMILY, color: TEXT, fontSize: 13 },
    title: [
      {
        text: data.title,
        subtext: data.subtitle,
        left: "center",
        top: 12,
        textStyle: { fontSize: 24, color: TEXT },
        subtextStyle: { fontSize: 15, color: MUTED },
      },
      panelTitle("Alerts per day, by severity", 80),
      panelTitle(`${data.acknowledge.label}: distribution (n = ${data.acknowledge.n})`, 480),
      panelTitle(`Coverage by hour of day: alerts and median ${data.hours.clockLabel.toLowerCase()}`, 860),
    ],
    legend: [
      { data: data.days.series.map((s) => SEVERITY_LABEL[s.severity]), right: 70, top: 84, itemGap: 32 },
      {
        data: [`Alerts created in the hour`, `Median ${data.hours.clockLabel.toLowerCase()}`],
        left: 60,
        top: 890,
        itemGap: 60,
      },
    ],
    grid: panels.map((p) => p.grid),
    xAxis: panels.map((p) => p.xAxis),
    yAxis: panels.flatMap((p) => p.yAxis),
    series: panels.flatMap((p) => p.series),
    graphic: data.empty
      ? [
          {
            type: "text",
            left: "center",
            top: 640,
            style: { text: "No alerts in this period", fontSize: 28, fill: MUTED },
          },
        ]
      : [],
  }
}

const drawn = (what: string) => (e: unknown) =>
  new ChartError({ message: `the report chart could not be drawn (${what}): ${String(e)}` })

/**
 * The chart as SVG text. ECharts' layout runs on the event loop (some 50–200 ms on 2 cores), once
 * per report.
 */
export const chartSvg = (data: ReportChartData): Effect.Effect<string, ChartError> =>
  Effect.tryPromise({
    try: async () => {
      const { init } = await import("echarts")
      const chart = init(null, null, { renderer: "svg", ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT })
      try {
        chart.setOption(chartOption(data))
        return chart.renderToSVGString()
      } finally {
        chart.dispose()
      }
    },
    catch: drawn("layout"),
  })

/** The chart as a PNG; the rasterising runs off the event loop. */
export const renderReportChart = (data: ReportChartData): Effect.Effect<Uint8Array, ChartError> =>
  Effect.gen(function* () {
    const svg = yield* chartSvg(data)
    return yield* Effect.tryPromise({
      try: async () => {
        const { renderAsync } = await import("@resvg/resvg-js")
        const fontFiles = FONT_FILES.map((f) => require.resolve(f))
        const image = await renderAsync(svg, {
          font: { fontFiles, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
          fitTo: { mode: "original" },
        })
        return new Uint8Array(image.asPng())
      },
      catch: drawn("image"),
    })
  })

/** A 1×1 white PNG: what the twin draws, so that tests of what is posted need no rendering. */
const PLACEHOLDER_PNG = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC",
    "base64",
  ),
)

/**
 * The chart as a port: `Live` draws it; `Memory` records what it was asked to draw and answers
 * a placeholder PNG at once (the drawing itself is tested on its own).
 */
export class ReportChart extends Context.Tag("ash/ReportChart")<
  ReportChart,
  { readonly render: (data: ReportChartData) => Effect.Effect<Uint8Array, ChartError> }
>() {
  static Live = Layer.succeed(ReportChart, { render: renderReportChart })
  static Memory = Layer.succeed(ReportChart, { render: () => Effect.succeed(PLACEHOLDER_PNG) })
}
