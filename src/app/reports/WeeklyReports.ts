/**
 * The weekly CRT report, posted exactly once per week across processes and restarts. On start-up
 * the most recent report time (not in the future) is checked: a report not on record is posted
 * now, on a first start too; older missed weeks are not. Then the next one is waited for on
 * Effect's Clock. Each post is claimed in Redis first and the claim given up when it fails, so
 * another try (this process's retry, or another process) can win.
 */
import { randomBytes } from "node:crypto"
import { Clock, Data, Duration, Effect, Layer, Option, Schedule } from "effect"
import { addDays } from "../../core/Calendar.js"
import { empty, merge } from "../../core/DailyAggregate.js"
import { type EmbedData, NO_MENTIONS } from "../../core/DiscordMessage.js"
import { reportChartData } from "../../core/ReportChart.js"
import { latestOccasion, nextOccasion, type ReportOccasion } from "../../core/ReportSchedule.js"
import { renderWeeklyReport } from "../../core/WeeklyReport.js"
import { type DayAggregate, summarize } from "../../core/WeeklySummary.js"
import { AlertStore } from "../../shell/AlertStore.js"
import { Discord, type FileUpload } from "../../shell/discord/Discord.js"
import { CHART_FILE_NAME, ReportChart } from "../../shell/ReportChartImage.js"
import { ReportLedger } from "../../shell/ReportLedger.js"
import { OUTAGE_RETRY } from "../alerts/Renotify.js"
import { BotSettings } from "../runtime/BotSettings.js"

/** How long a claim holds while its process posts; a process that dies leaves it to run out. */
const CLAIM_MS = 10 * 60_000

/** A failed report is tried again, with back-off, for about a quarter of an hour. */
const RETRY = Schedule.exponential("5 seconds").pipe(Schedule.intersect(Schedule.recurs(6)))

const daysFrom = (first: string, n: number): ReadonlyArray<string> =>
  Array.from({ length: n }, (_, i) => addDays(first, i))

/** What a report is measured against, and the timezone its days and hours were counted in. */
export interface ReportBasis {
  readonly targets: { readonly acknowledgeMs: number; readonly responseMs: number }
  readonly timeZone: string
}

/**
 * The summary and report embed of `days` days from `firstDay`, against as many days before,
 * from the daily aggregates (never the alerts themselves: its cost depends on the days only).
 * The per-hour histograms, which only the chart shows, are read when `hours` asks for them.
 */
export const reportOf = (
  firstDay: string,
  days: number,
  basis: ReportBasis,
  options: { readonly hours?: boolean } = {},
) =>
  Effect.gen(function* () {
    const store = yield* AlertStore
    const [before, during] = yield* Effect.all(
      [
        store.daily(daysFrom(addDays(firstDay, -days), days), { hours: false }),
        store.daily(daysFrom(firstDay, days), { hours: options.hours === true }),
      ],
      { concurrency: 2 },
    )
    const previous = before.reduce((acc, d) => merge(acc, d.aggregate), empty)
    const [first, ...rest] = during
    const period: readonly [DayAggregate, ...ReadonlyArray<DayAggregate>] = [
      first ?? { day: firstDay, aggregate: empty },
      ...rest,
    ]
    const summary = summarize({
      days: period,
      previous,
      targets: { acknowledge: basis.targets.acknowledgeMs, first_response: basis.targets.responseMs },
    })
    const timestamp = new Date(yield* Clock.currentTimeMillis).toISOString()
    const report = renderWeeklyReport(summary, { timeZone: basis.timeZone, timestamp })
    const embed = { ...report, timestamp: report.timestamp ?? timestamp } satisfies EmbedData
    return { summary, embed }
  })

/** A report as a message: its embed and, when it could be drawn, the chart under it. */
export interface ReportMessage {
  readonly embed: EmbedData
  readonly files: ReadonlyArray<FileUpload>
}

const CHART_DESCRIPTION =
  "Chart: alerts per day by severity; time to acknowledge against the target; alerts and median time to acknowledge by hour of day"

/**
 * The report of a range with its chart attached. A chart that cannot be drawn is logged and the
 * report goes out without it: the numbers matter more than the picture.
 */
export const reportMessageOf = (firstDay: string, days: number, basis: ReportBasis) =>
  Effect.gen(function* () {
    const { summary, embed } = yield* reportOf(firstDay, days, basis, { hours: true })
    const charts = yield* ReportChart
    const chart = yield* charts.render(reportChartData(summary, basis.timeZone)).pipe(
      Effect.tapError((e) => Effect.logError(e.message)),
      Effect.option,
    )
    if (Option.isNone(chart)) return { embed, files: [] } satisfies ReportMessage
    return {
      embed: { ...embed, image: { url: `attachment://${CHART_FILE_NAME}` } },
      files: [{ name: CHART_FILE_NAME, data: chart.value, description: CHART_DESCRIPTION }],
    } satisfies ReportMessage
  })

/** The report message of a range, with the bot's targets and metrics timezone. */
export const reportMessage = (firstDay: string, days: number) =>
  Effect.flatMap(BotSettings, (settings) =>
    reportMessageOf(firstDay, days, { targets: settings.targets, timeZone: settings.metricsTimeZone }),
  )

/** The report of the week before `occasion`. */
export const weeklyReportMessage = (occasion: ReportOccasion) => reportMessage(occasion.firstDay, 7)

/** Post the week's report to every report channel; true when at least one took it. */
const postTo = (channels: ReadonlyArray<string>, report: ReportMessage) =>
  Effect.flatMap(Discord, (discord) =>
    Effect.map(
      Effect.forEach(channels, (channelId) =>
        discord
          .post(channelId, { embeds: [report.embed], files: report.files, allowedMentions: NO_MENTIONS })
          .pipe(
            Effect.retry(OUTAGE_RETRY),
            Effect.as(true),
            Effect.catchAll((e) =>
              Effect.as(Effect.logError(`weekly report not posted in ${channelId}: ${e.message}`), false),
            ),
          ),
      ),
      (posted) => posted.some((p) => p),
    ),
  )

/** Another process holds the week's claim: it is posting (or died, and its claim runs out). */
class HeldElsewhere extends Data.TaggedError("HeldElsewhere")<{ readonly week: string }> {}

/** The week's report could not be posted now. */
class NotPosted extends Data.TaggedError("NotPosted")<{ readonly message: string }> {}

/** The week's report, once: claimed, posted, recorded; the claim given up when the post fails. */
const tryPost = (occasion: ReportOccasion, owner: string) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const ledger = yield* ReportLedger
    if (Option.isSome(yield* ledger.postedAt(occasion.week))) return
    if (!(yield* ledger.claim(occasion.week, owner, CLAIM_MS)))
      return yield* new HeldElsewhere({ week: occasion.week })
    const report = yield* weeklyReportMessage(occasion)
    const { channelIds } = settings.weeklyReport
    const channels = channelIds.length > 0 ? channelIds : settings.dispatch.channels.monitor
    if (!(yield* postTo(channels, report)))
      return yield* new NotPosted({ message: `taken by no channel of ${channels.join(", ")}` })
    yield* ledger.posted(occasion.week, yield* Clock.currentTimeMillis)
    yield* Effect.logInfo(`weekly report of ${occasion.firstDay} – ${occasion.lastDay} posted`)
  }).pipe(
    // Any failure but another's claim gives ours up, so that the next try (or process) can win.
    Effect.tapError((e) =>
      e._tag === "HeldElsewhere"
        ? Effect.void
        : Effect.flatMap(ReportLedger, (ledger) => ledger.release(occasion.week, owner)).pipe(Effect.ignore),
    ),
  )

/**
 * Post the week's report unless it is on record: a failure is tried again with back-off; a claim
 * another process holds is looked at again once it could have run out.
 */
const postOnce = (occasion: ReportOccasion, owner: string) =>
  tryPost(occasion, owner).pipe(
    Effect.retry({
      schedule: Schedule.spaced(Duration.millis(CLAIM_MS / 2)).pipe(Schedule.intersect(Schedule.recurs(4))),
      while: (e) => e._tag === "HeldElsewhere",
    }),
    Effect.retry({ schedule: RETRY, while: (e) => e._tag !== "HeldElsewhere" }),
    Effect.catchAll((e) =>
      e._tag === "HeldElsewhere"
        ? Effect.logWarning(`weekly report ${occasion.week} still claimed by another process`)
        : Effect.logError(`weekly report ${occasion.week} NOT posted: ${e.message}`),
    ),
    Effect.annotateLogs({ report_due: occasion.week }),
  )

/** The most recent report now, then each next one at its time, for as long as the bot runs. */
const schedule = (owner: string) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const plan = settings.weeklyReport.schedule
    let occasion = latestOccasion(yield* Clock.currentTimeMillis, plan)
    for (;;) {
      yield* postOnce(occasion, owner)
      occasion = nextOccasion(occasion, plan)
      const now = yield* Clock.currentTimeMillis
      yield* Effect.sleep(Duration.millis(Math.max(0, occasion.at - now)))
    }
  })

export const WeeklyReports = {
  Live: Layer.scopedDiscard(
    Effect.gen(function* () {
      const settings = yield* BotSettings
      if (!settings.weeklyReport.enabled)
        return yield* Effect.logInfo("weekly report off (BOT_WEEKLY_REPORT_ENABLED)")
      const owner = randomBytes(6).toString("hex")
      yield* Effect.forkScoped(schedule(owner))
    }),
  ),
}
