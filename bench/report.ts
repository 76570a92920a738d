/**
 * Reports and exports over a real redis-server: the weekly report of a week of 1k vs 100k alerts
 * (it reads the days' aggregates, so both should take the same time), the chart, and the export
 * of 100k alerts streamed from Redis (rows per second, and how much the process grew meanwhile).
 */
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect, Either, Layer, Option } from "effect"
import { reportOf } from "../src/app/reports/WeeklyReports.js"
import type { Alert } from "../src/core/Alert.js"
import { createAlert, type LifecycleEvent, transition } from "../src/core/Lifecycle.js"
import { reportChartData } from "../src/core/ReportChart.js"
import { AlertStore } from "../src/shell/AlertStore.js"
import { Redis } from "../src/shell/Redis.js"
import { renderReportChart } from "../src/shell/ReportChartImage.js"
import { TimerStore } from "../src/shell/TimerStore.js"
import { policy } from "../test/support/alerts.js"
import { prng, randomNewAlerts } from "../test/support/randomAlerts.js"
import { startRedisServer } from "../test/support/redisServer.js"
import { type Figures, median, medianMsAsync, round } from "./Figures.js"

const BASIS = { targets: { acknowledgeMs: 300_000, responseMs: 900_000 }, timeZone: "UTC" }
// randomNewAlerts spreads alerts over 7 × 24 h from 2025-10-09 08:53 UTC: eight calendar days,
// the first seven the report's week; the export takes all eight.
const FIRST_DAY = "2025-10-09"
const CAPPED_HEAP_MB = 48
const CRT = ["950000000000000001", "950000000000000002", "950000000000000003", "950000000000000004"]

/** A week of alerts, each taken some way through its lifecycle by CRT members (snowflake ids). */
const weekOfAlerts = (count: number): ReadonlyArray<Alert> => {
  const random = prng(count)
  return randomNewAlerts(count, random, 0, 7).map((n, i) => {
    const by = CRT[i % CRT.length] ?? "950000000000000001"
    const lifecycle: ReadonlyArray<readonly [LifecycleEvent, number]> = [
      [{ _tag: "Acknowledge", by }, 60_000],
      [{ _tag: "RequestAshContact", by }, 90_000],
      [{ _tag: "AshContactMade", via: "dm", threadId: null }, 95_000],
      [{ _tag: "FirstResponse", by, detection: "thread_message" }, 300_000],
      [{ _tag: "Resolve", by }, 900_000],
    ]
    let alert = createAlert(
      { ...n, origin: { ...n.origin, memberId: String(940_000_000_000_000_000 + i) } },
      policy,
    ).alert
    for (const [event, offset] of lifecycle) {
      if (random() < 0.2) break
      // As the core and store benchmarks: each step up to ten minutes after its usual time.
      const next = transition(alert, event, alert.createdAt + offset + Math.floor(random() * 600_000))
      if (Either.isRight(next)) alert = next.right.alert
    }
    return alert
  })
}

const storeOn = (url: string, keyPrefix: string) =>
  AlertStore.layer().pipe(
    Layer.provideMerge(TimerStore.Live),
    Layer.provideMerge(Redis.layer({ url, password: Option.none(), keyPrefix, commandTimeoutMs: 10_000 })),
  )

/** Writes the alerts as the bot does (record, day counters, day index), 64 at a time. */
const seed = (alerts: ReadonlyArray<Alert>) =>
  Effect.flatMap(AlertStore, (store) =>
    Effect.forEach(alerts, (alert) => store.create({ alert, effects: [] }), {
      concurrency: 64,
      discard: true,
    }),
  )

export const reportBenchmarks = async (): Promise<Figures> => {
  const server = await startRedisServer()
  try {
    const within = <A, E>(prefix: string, program: Effect.Effect<A, E, AlertStore>) =>
      Effect.runPromise(Effect.scoped(Effect.provide(program, storeOn(server.url, prefix))))
    const timeReport = (prefix: string) =>
      within(
        prefix,
        Effect.flatMap(AlertStore, (store) =>
          Effect.promise(() =>
            medianMsAsync(51, () =>
              Effect.runPromise(Effect.provideService(reportOf(FIRST_DAY, 7, BASIS), AlertStore, store)),
            ),
          ),
        ),
      )
    const large = weekOfAlerts(100_000)
    await within("r1k:", seed(weekOfAlerts(1_000)))
    await within("r100k:", seed(large))
    const small = await timeReport("r1k:")
    const big = await timeReport("r100k:")

    // The chart of the 100k week.
    const summary = (await within("r100k:", reportOf(FIRST_DAY, 7, BASIS))).summary
    const chartTimes: Array<number> = []
    for (let i = 0; i < 11; i++) {
      const start = performance.now()
      await Effect.runPromise(renderReportChart(reportChartData(summary, "UTC")))
      chartTimes.push(performance.now() - start)
    }

    // The export of all 100k, streamed from Redis, in a process of its own (its memory is the export's).
    const tsx = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href
    const exportRun = (days: number, heapMb?: number) => {
      const heap = heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`]
      const child = spawnSync(
        process.execPath,
        [...heap, "--import", tsx, "bench/exportProcess.ts", server.url, "r100k:", FIRST_DAY, String(days)],
        { encoding: "utf8", timeout: 600_000 },
      )
      if (child.status !== 0) throw new Error(`export process failed: ${child.stderr}`)
      return JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as {
        rows: number
        bytes: number
        ms: number
        rssStart: number
        rssPeak: number
      }
    }
    // Two days beside all eight: growth that does not follow the rows is the garbage collector's
    // slack, not the export; and all eight again with the old heap capped at 48 MB, which a
    // process holding the rows could not survive.
    const twoDays = exportRun(2)
    const run = exportRun(8)
    const capped = exportRun(8, CAPPED_HEAP_MB)
    for (const r of [run, capped])
      if (r.rows !== large.length) throw new Error(`exported ${r.rows} of ${large.length} alerts`)
    const mb = (n: number) => round(n / 1_048_576, 1)
    return {
      "report.week_ms_1k_alerts": { value: round(small), unit: "ms" },
      "report.week_ms_100k_alerts": { value: round(big), unit: "ms" },
      "report.chart_ms": { value: round(median(chartTimes)), unit: "ms" },
      "export.rows_per_sec": { value: Math.round(run.rows / (run.ms / 1_000)), unit: "rows/s" },
      "export.csv_mb_100k_alerts": { value: mb(run.bytes), unit: "MB" },
      "export.rss_start_mb": { value: mb(run.rssStart), unit: "MB" },
      "export.rss_growth_mb_two_days": { value: mb(twoDays.rssPeak - twoDays.rssStart), unit: "MB" },
      "export.rows_two_days": { value: twoDays.rows, unit: "rows" },
      "export.rss_growth_mb_100k_alerts_heap_48mb": {
        value: mb(capped.rssPeak - capped.rssStart),
        unit: "MB",
      },
      "export.rows_per_sec_heap_48mb": {
        value: Math.round(capped.rows / (capped.ms / 1_000)),
        unit: "rows/s",
      },
      "export.rss_growth_mb_100k_alerts": { value: mb(run.rssPeak - run.rssStart), unit: "MB" },
      "export.rss_growth_pct_100k_alerts": {
        value: round(((run.rssPeak - run.rssStart) / run.rssStart) * 100, 1),
        unit: "%",
      },
    } satisfies Figures
  } finally {
    await server.stop()
  }
}
