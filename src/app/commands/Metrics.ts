/**
 * `/metrics report [days] [from to]` and `/metrics export format:csv|json [days] [from to]`: the
 * CRT's report, or its alerts as a pseudonymised file, for a range; seen only by who asked. The
 * caller is checked for a CRT role before either is reached (`Commands.ts`).
 */
import { Clock, Effect, Either, Option } from "effect"
import type { ExportFormat } from "../../core/AlertExport.js"
import { addDays, calendarOf } from "../../core/Calendar.js"
import { NO_MENTIONS } from "../../core/DiscordMessage.js"
import { REPLIES } from "../../core/Replies.js"
import { reportRange } from "../../core/ReportRange.js"
import {
  type CommandInvocation,
  type CommandOptionValue,
  type CommandSpec,
  Discord,
} from "../../shell/discord/Discord.js"
import { pseudonymsOf } from "../../shell/Pseudonyms.js"
import { ATTACHMENT_LIMIT_BYTES, exportFile } from "../reports/Export.js"
import { reportMessage } from "../reports/WeeklyReports.js"
import { BotSettings } from "../runtime/BotSettings.js"

const RANGE_OPTIONS = [
  { type: "integer", name: "days", description: "How many days, up to today", required: false },
  { type: "string", name: "from", description: "The first day, YYYY-MM-DD", required: false },
  { type: "string", name: "to", description: "The last day, YYYY-MM-DD", required: false },
] as const

export const METRICS_COMMAND: CommandSpec = {
  name: "metrics",
  description: "The Crisis Response Team's response metrics",
  options: [
    {
      type: "subcommand",
      name: "report",
      description: "The report of the last days (7 by default), or from one day to another",
      options: RANGE_OPTIONS,
    },
    {
      type: "subcommand",
      name: "export",
      description: "One row per alert, members and responders pseudonymised, as a file",
      options: [
        {
          type: "string",
          name: "format",
          description: "The file's format",
          required: true,
          choices: [
            { name: "CSV", value: "csv" },
            { name: "JSON", value: "json" },
          ],
        },
        ...RANGE_OPTIONS,
      ],
    },
  ],
}

const numberOption = (value: CommandOptionValue | undefined): number | undefined =>
  typeof value === "number" ? value : undefined
const stringOption = (value: CommandOptionValue | undefined): string | undefined =>
  typeof value === "string" ? value.trim() : undefined

/** The range the command asks for, counted back from today in the metrics timezone. */
const rangeOf = (command: CommandInvocation) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const now = yield* Clock.currentTimeMillis
    return reportRange(
      {
        days: numberOption(command.options.days),
        from: stringOption(command.options.from),
        to: stringOption(command.options.to),
      },
      calendarOf(now, settings.metricsTimeZone).day,
    )
  })

/** The deferred answer replaced by words alone (it would otherwise say "thinking…" for ever). */
const tell = (command: CommandInvocation, content: string) =>
  Effect.flatMap(Discord, (discord) =>
    discord.interactions.editOriginal(command.interaction, {
      content,
      embeds: [],
      components: [],
      allowedMentions: NO_MENTIONS,
    }),
  )

/** The report for the range asked, as an ephemeral answer; a range that makes no sense is told why. */
const metricsReport = (command: CommandInvocation) =>
  Effect.gen(function* () {
    const discord = yield* Discord
    const range = yield* rangeOf(command)
    if (Either.isLeft(range))
      return yield* discord.interactions.reply(command.interaction, { content: range.left })
    yield* discord.interactions.deferReply(command.interaction, true)
    const report = yield* reportMessage(range.right.firstDay, range.right.days).pipe(Effect.either)
    if (Either.isLeft(report)) {
      yield* Effect.logError(`/metrics report failed: ${report.left.message}`)
      return yield* tell(command, REPLIES.reportUnavailable)
    }
    yield* discord.interactions
      .editOriginal(command.interaction, {
        embeds: [report.right.embed],
        components: [],
        files: report.right.files,
        allowedMentions: NO_MENTIONS,
      })
      .pipe(Effect.catchAll((e) => refusedByDiscord(command, e.message, REPLIES.reportUnavailable)))
  })

/** Discord refused the answer (an upload too large, an outage): said in the deferred answer. */
const refusedByDiscord = (command: CommandInvocation, why: string, reply: string) =>
  Effect.zipRight(
    Effect.logError(`/metrics ${command.subcommand} answer refused by Discord: ${why}`),
    tell(command, reply).pipe(Effect.ignore),
  )

/** The first day whose alerts are still kept (alert records live for the retention period). */
const keptFrom = Effect.gen(function* () {
  const settings = yield* BotSettings
  const today = calendarOf(yield* Clock.currentTimeMillis, settings.metricsTimeZone).day
  return addDays(today, -Math.floor(settings.retention.alertMs / 86_400_000) + 1)
})

/** The export of the range asked, as an ephemeral answer with the file; refused without a key. */
const metricsExport = (command: CommandInvocation) =>
  Effect.gen(function* () {
    const discord = yield* Discord
    const settings = yield* BotSettings
    const answer = (content: string) => discord.interactions.reply(command.interaction, { content })
    if (Option.isNone(settings.exportPseudonymKey)) return yield* answer(REPLIES.exportNoKey)
    const format: ExportFormat = command.options.format === "json" ? "json" : "csv"
    const range = yield* rangeOf(command)
    if (Either.isLeft(range)) return yield* answer(range.left)
    const { firstDay, days } = range.right
    yield* discord.interactions.deferReply(command.interaction, true)
    const pseudonym = pseudonymsOf(settings.exportPseudonymKey.value)
    const limit = command.attachmentLimitBytes ?? ATTACHMENT_LIMIT_BYTES
    const file = yield* exportFile(firstDay, days, format, pseudonym, limit).pipe(Effect.either)
    if (Either.isLeft(file)) {
      yield* Effect.logError(`/metrics export failed: ${file.left.message}`)
      return yield* tell(command, REPLIES.exportUnavailable)
    }
    if (Option.isNone(file.right))
      return yield* tell(command, REPLIES.exportTooLarge(days, Math.floor(limit / (1024 * 1024))))
    const made = file.right.value
    const kept = yield* keptFrom
    yield* Effect.logInfo(`/metrics export: ${made.rows} alerts, ${format}, ${firstDay} + ${days} days`)
    yield* discord.interactions
      .editOriginal(command.interaction, {
        content: REPLIES.exportReady(made.rows, firstDay, addDays(firstDay, days - 1), format, {
          keptFrom: firstDay < kept ? kept : null,
        }),
        embeds: [],
        components: [],
        files: [{ name: made.name, data: made.data }],
        allowedMentions: NO_MENTIONS,
      })
      .pipe(Effect.catchAll((e) => refusedByDiscord(command, e.message, REPLIES.exportUnavailable)))
  })

/** `/metrics <subcommand>` for a CRT member. */
export const metricsCommand = (command: CommandInvocation) =>
  command.subcommand === "export" ? metricsExport(command) : metricsReport(command)
