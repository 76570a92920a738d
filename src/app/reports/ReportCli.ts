/**
 * `npm run report -- --week 2026-W47 | --from 2026-11-01 --to 2026-11-28 [--format text|json|csv]
 * [--chart out.png]`:
 * the CRT report's numbers from the bot's Redis, for operators. Needs only the Redis settings
 * (`BOT_REDIS_URL`…), `BOT_METRICS_TIMEZONE` and the targets, from the environment or `.env`.
 */
import { existsSync, writeFileSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { Config, ConfigError, Effect, Either, Layer, Schema } from "effect"
import { isValidTimeZone } from "../../core/Calendar.js"
import { reportChartData } from "../../core/ReportChart.js"
import { reportRange } from "../../core/ReportRange.js"
import { mondayOfIsoWeek } from "../../core/ReportSchedule.js"
import type { WeeklySummary } from "../../core/WeeklySummary.js"
import { AlertStore } from "../../shell/AlertStore.js"
import { describeConfigError } from "../../shell/AppConfig.js"
import { defaultRetention } from "../../shell/Keys.js"
import { Redis } from "../../shell/Redis.js"
import { renderReportChart } from "../../shell/ReportChartImage.js"
import { TimerStore } from "../../shell/TimerStore.js"
import { type ReportBasis, reportOf } from "./WeeklyReports.js"

export const USAGE = `Usage: npm run report -- (--week YYYY-Www | --from YYYY-MM-DD --to YYYY-MM-DD) [--format text|json|csv] [--chart out.png]

The CRT report's numbers from the bot's Redis (BOT_REDIS_URL, …): alerts by severity and day, each
response clock with n, percentiles and the share within target, and more. Days and hours are in
BOT_METRICS_TIMEZONE; targets from BOT_TARGET_ACK_SECONDS and BOT_TARGET_RESPONSE_SECONDS.
--chart writes the report's chart (the PNG attached to the report in Discord) to the file named.`

export interface ReportRequest {
  readonly firstDay: string
  readonly days: number
  readonly format: "text" | "json" | "csv"
  /** Where to write the chart PNG, if asked. */
  readonly chart: string | undefined
}

/** The request the arguments make, or what is wrong with them. */
export const parseReportArgs = (
  args: ReadonlyArray<string>,
): Either.Either<ReportRequest | "help", string> => {
  const parsed = Either.try(() =>
    parseArgs({
      args: [...args],
      options: {
        week: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        format: { type: "string", default: "text" },
        chart: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }),
  )
  if (Either.isLeft(parsed)) return Either.left(String((parsed.left as Error).message))
  const { week, from, to, format, help, chart } = parsed.right.values
  if (help === true) return Either.right("help")
  if (format !== "text" && format !== "json" && format !== "csv")
    return Either.left(`--format is text, json or csv, not ${format}`)
  if (chart !== undefined && !chart.toLowerCase().endsWith(".png"))
    return Either.left(`--chart names a .png file to write, not ${chart}`)
  if (week !== undefined) {
    if (from !== undefined || to !== undefined) return Either.left("give --week or --from/--to, not both")
    const monday = mondayOfIsoWeek(week)
    if (monday === null) return Either.left(`--week is an ISO week like 2026-W47, not ${week}`)
    return Either.right({ firstDay: monday, days: 7, format, chart })
  }
  if (from === undefined && to === undefined) return Either.left("give --week, or --from and --to")
  return Either.map(reportRange({ from, to }, "2000-01-01"), (r) => ({ ...r, format, chart }))
}

const TimeZone = Schema.String.pipe(Schema.filter(isValidTimeZone, { message: () => "an IANA timezone" }))
const Seconds = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 86_400))

const BasisConfig: Config.Config<ReportBasis> = Config.all({
  timeZone: Schema.Config("BOT_METRICS_TIMEZONE", TimeZone).pipe(Config.withDefault("UTC")),
  ack: Schema.Config("BOT_TARGET_ACK_SECONDS", Seconds).pipe(Config.withDefault(300)),
  response: Schema.Config("BOT_TARGET_RESPONSE_SECONDS", Seconds).pipe(Config.withDefault(900)),
}).pipe(
  Config.map((c) => ({
    timeZone: c.timeZone,
    targets: { acknowledgeMs: c.ack * 1_000, responseMs: c.response * 1_000 },
  })),
)

/** The summary's numbers as flat `name,value` rows (clocks by name, days by date). */
export const summaryRows = (s: WeeklySummary): ReadonlyArray<readonly [string, string | number]> => [
  ["first_day", s.startDay],
  ["last_day", s.endDay],
  ["total_alerts", s.totalAlerts],
  ...Object.entries(s.bySeverity).map(([k, v]): readonly [string, number] => [`severity_${k}`, v]),
  ...s.byDay.map((d): readonly [string, number] => [`alerts_${d.day}`, d.alerts]),
  ...[...s.clocks.entries()].flatMap(
    ([name, c]): ReadonlyArray<readonly [string, number | string]> => [
      [`${name}_n`, c.n],
      [`${name}_p50_ms`, c.p50Ms ?? ""],
      [`${name}_p90_ms`, c.p90Ms ?? ""],
      [`${name}_average_ms`, c.averageMs === null ? "" : Math.round(c.averageMs)],
      [`${name}_within_target`, c.withinTarget ?? ""],
    ],
  ),
  ["acknowledged", s.acknowledged],
  ["responded", s.responded],
  ["unanswered", s.unanswered],
  ["ash_manual", s.ash.manual],
  ["ash_auto", s.ash.auto],
  ["opted_out", s.ash.optedOut],
]

const print = (
  request: ReportRequest,
  report: Effect.Effect.Success<ReturnType<typeof reportOf>>,
): string => {
  if (request.format === "json")
    return JSON.stringify(Object.fromEntries(summaryRows(report.summary)), null, 2)
  if (request.format === "csv")
    return ["name,value", ...summaryRows(report.summary).map(([k, v]) => `${k},${v}`)].join("\n")
  const e = report.embed
  return [e.title, e.description ?? "", ...e.fields.map((f) => `\n${f.name}\n${f.value}`)].join("\n")
}

const run = (request: ReportRequest) =>
  Effect.gen(function* () {
    const basis = yield* BasisConfig
    const report = yield* reportOf(request.firstDay, request.days, basis, {
      hours: request.chart !== undefined,
    })
    if (request.chart !== undefined) {
      const path = request.chart
      const png = yield* renderReportChart(reportChartData(report.summary, basis.timeZone))
      yield* Effect.try({
        try: () => writeFileSync(path, png),
        catch: (e) => new Error(`--chart ${path} could not be written: ${String(e)}`),
      })
    }
    return print(request, report)
  }).pipe(
    Effect.provide(
      AlertStore.layer(defaultRetention).pipe(Layer.provideMerge(TimerStore.Live), Layer.provide(Redis.Live)),
    ),
  )

/** Exit 0 with the report; 2 for bad arguments, 78 for bad configuration, 1 when Redis fails. */
const main = async (): Promise<number> => {
  const request = parseReportArgs(process.argv.slice(2))
  if (Either.isLeft(request)) {
    console.error(`npm run report: ${request.left}\n\n${USAGE}`)
    return 2
  }
  if (request.right === "help") {
    console.log(USAGE)
    return 0
  }
  const outcome = await Effect.runPromise(Effect.either(Effect.scoped(run(request.right))))
  if (Either.isRight(outcome)) {
    console.log(outcome.right)
    return 0
  }
  const error = outcome.left
  if (ConfigError.isConfigError(error)) {
    console.error(describeConfigError(error))
    return 78
  }
  console.error(`npm run report: the report could not be read: ${error.message}`)
  return 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (existsSync(".env")) process.loadEnvFile(".env")
  main().then((code) => process.exit(code))
}
