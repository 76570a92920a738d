/** The bot's slash commands: registered in the guild at start-up, each invocation authorised and answered. */

import { Effect, Layer, Option, Stream } from "effect"
import { REPLIES } from "../../core/Replies.js"
import type { AlertStore } from "../../shell/AlertStore.js"
import { type CommandInvocation, type CommandSpec, Discord } from "../../shell/discord/Discord.js"
import type { MemberStore } from "../../shell/MemberStore.js"
import type { ReportChart } from "../../shell/ReportChartImage.js"
import type { ResponseIndex } from "../../shell/ResponseIndex.js"
import type { AlertLifecycle } from "../alerts/AlertLifecycle.js"
import { optOutByCommand } from "../contact/OptOut.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { drainingRunner, SHUTDOWN_GRACE } from "../runtime/Handlers.js"
import { METRICS_COMMAND, metricsCommand } from "./Metrics.js"

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

const KNOWN = new Set([
  `${ASH_COMMAND.name} optout`,
  `${METRICS_COMMAND.name} report`,
  `${METRICS_COMMAND.name} export`,
])

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
    if (command.name === METRICS_COMMAND.name) return yield* metricsCommand(command)
    yield* optOutByCommand(command, command.guildId)
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError("command failed", cause)),
    Effect.annotateLogs({ interaction: command.interaction.id, command: command.name }),
  )

type CommandServices =
  | AlertLifecycle
  | AlertStore
  | BotSettings
  | Discord
  | MemberStore
  | ReportChart
  | ResponseIndex

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
