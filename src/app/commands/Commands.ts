/** The bot's slash commands: registered in the guild at start-up, each invocation authorised and answered. */

import { Clock, Effect, Either, Layer, Option, Stream } from "effect"
import { calendarOf } from "../../core/Calendar.js"
import { NO_MENTIONS } from "../../core/DiscordMessage.js"
import { REPLIES } from "../../core/Replies.js"
import { reportRange } from "../../core/ReportRange.js"
import type { AlertStore } from "../../shell/AlertStore.js"
import {
  type CommandInvocation,
  type CommandOptionValue,
  type CommandSpec,
  Discord,
} from "../../shell/discord/Discord.js"
import type { MemberStore } from "../../shell/MemberStore.js"
import type { ResponseIndex } from "../../shell/ResponseIndex.js"
import type { AlertLifecycle } from "../alerts/AlertLifecycle.js"
import { optOutByCommand } from "../contact/OptOut.js"
import { reportMessage } from "../reports/WeeklyReports.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { drainingRunner, SHUTDOWN_GRACE } from "../runtime/Handlers.js"

/** `/ash optout member:<user> [clear:true]`: a member prefers human support (or no longer does). */
export const ASH_COMMAND: CommandSpec = {
  name: "ash",
  description: "Ash, the crisis support assistant",
  options: [
    {
      type: "subcommand",
      name: "optout",
      description: "A member prefers human support: Ash will not contact them",
      options: [
        { type: "user", name: "member", description: "The member", required: true },
        { type: "boolean", name: "clear", description: "Let Ash reach out to them again", required: false },
      ],
    },
  ],
}

/** `/metrics report [days] [from to]`: the CRT's report for a range, seen only by who asked. */
export const METRICS_COMMAND: CommandSpec = {
  name: "metrics",
  description: "The Crisis Response Team's response metrics",
  options: [
    {
      type: "subcommand",
      name: "report",
      description: "The report of the last days (7 by default), or from one day to another",
      options: [
        { type: "integer", name: "days", description: "How many days, up to today", required: false },
        { type: "string", name: "from", description: "The first day, YYYY-MM-DD", required: false },
        { type: "string", name: "to", description: "The last day, YYYY-MM-DD", required: false },
      ],
    },
  ],
}

const KNOWN = new Set([`${ASH_COMMAND.name} optout`, `${METRICS_COMMAND.name} report`])

/** One invocation: only CRT roles may use it, in the server; ephemeral answers. */
export const handleCommand = (command: CommandInvocation) =>
  Effect.gen(function* () {
    const discord = yield* Discord
    const settings = yield* BotSettings
    const answer = (content: string) => discord.interactions.reply(command.interaction, { content })
    if (!KNOWN.has(`${command.name} ${command.subcommand ?? ""}`)) {
      yield* Effect.logWarning(`unknown command /${command.name} ${command.subcommand ?? ""}`)
      return yield* answer(REPLIES.unknownCommand)
    }
    if (command.guildId === null) return yield* answer(REPLIES.commandOutsideGuild)
    if (!command.roleIds.some((r) => settings.dispatch.crtRoleIds.includes(r))) {
      yield* Effect.logWarning(
        `${command.userId} without a CRT role used /${command.name} ${command.subcommand}`,
      )
      return yield* answer(REPLIES.commandNotCrt)
    }
    if (command.name === METRICS_COMMAND.name) return yield* metricsReport(command)
    yield* optOutByCommand(command, command.guildId)
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError("command failed", cause)),
    Effect.annotateLogs({ interaction: command.interaction.id, command: command.name }),
  )

const numberOption = (value: CommandOptionValue | undefined): number | undefined =>
  typeof value === "number" ? value : undefined
const stringOption = (value: CommandOptionValue | undefined): string | undefined =>
  typeof value === "string" ? value.trim() : undefined

/** The report for the range asked, as an ephemeral answer; a range that makes no sense is told why. */
const metricsReport = (command: CommandInvocation) =>
  Effect.gen(function* () {
    const discord = yield* Discord
    const settings = yield* BotSettings
    const now = yield* Clock.currentTimeMillis
    const range = reportRange(
      {
        days: numberOption(command.options.days),
        from: stringOption(command.options.from),
        to: stringOption(command.options.to),
      },
      calendarOf(now, settings.metricsTimeZone).day,
    )
    if (Either.isLeft(range))
      return yield* discord.interactions.reply(command.interaction, { content: range.left })
    yield* discord.interactions.deferReply(command.interaction, true)
    const report = yield* reportMessage(range.right.firstDay, range.right.days).pipe(Effect.either)
    if (Either.isLeft(report)) {
      yield* Effect.logError(`/metrics report failed: ${report.left.message}`)
      return yield* discord.interactions.followUp(command.interaction, { content: REPLIES.reportUnavailable })
    }
    yield* discord.interactions.editOriginal(command.interaction, {
      embeds: [report.right.embed],
      components: [],
      files: report.right.files,
      allowedMentions: NO_MENTIONS,
    })
  })

type CommandServices = AlertLifecycle | AlertStore | BotSettings | Discord | MemberStore | ResponseIndex

/** Register the commands (a failure is logged: alerting works without them) and serve them. */
export const Commands = {
  Live: Layer.scopedDiscard(
    Effect.gen(function* () {
      const discord = yield* Discord
      const settings = yield* BotSettings
      yield* discord.registerCommands([ASH_COMMAND, METRICS_COMMAND], Option.toArray(settings.guildId)).pipe(
        Effect.tap(() => Effect.logInfo("slash commands registered")),
        Effect.catchAll((e) => Effect.logError(`slash commands NOT registered: ${e.message}`)),
      )
      const run = yield* drainingRunner<CommandServices>("commands", SHUTDOWN_GRACE)
      yield* discord.commands.pipe(
        Stream.runForEach((command) => Effect.sync(() => run(handleCommand(command)))),
        Effect.forkScoped,
      )
    }),
  ),
}
