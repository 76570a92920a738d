import { existsSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { Cause, ConfigError, Effect, Exit, Layer, Logger, LogLevel, Option } from "effect"
import { AlertStore } from "../shell/AlertStore.js"
import { BotConfigFromEnv, describeConfigError } from "../shell/AppConfig.js"
import { CooldownStore } from "../shell/CooldownStore.js"
import { Discord } from "../shell/discord/Discord.js"
import { IntakeCounters } from "../shell/IntakeCounters.js"
import { MemberStore } from "../shell/MemberStore.js"
import { NlpClient } from "../shell/NlpClient.js"
import { OutageBuffer } from "../shell/OutageBuffer.js"
import { PendingAlerts } from "../shell/PendingAlerts.js"
import { Redis } from "../shell/Redis.js"
import { RelayStore } from "../shell/RelayStore.js"
import { ReportChart } from "../shell/ReportChartImage.js"
import { ReportLedger } from "../shell/ReportLedger.js"
import { ResponseIndex } from "../shell/ResponseIndex.js"
import { TimerStore } from "../shell/TimerStore.js"
import { AlertChannels } from "./alerts/AlertChannels.js"
import { AlertDispatcher } from "./alerts/AlertDispatcher.js"
import { AlertLifecycle } from "./alerts/AlertLifecycle.js"
import { PendingSweep } from "./alerts/Posting.js"
import { Buttons } from "./buttons/Buttons.js"
import { Commands } from "./commands/Commands.js"
import { AshContact } from "./contact/AshContact.js"
import { SupportChannel } from "./contact/SupportChannel.js"
import { Intake } from "./intake/Intake.js"
import { NlpOutage } from "./intake/NlpOutage.js"
import { RelayLive } from "./relay/Relay.js"
import { RelayThreads } from "./relay/RelayThreads.js"
import { ExportIndex } from "./reports/Export.js"
import { WeeklyReports } from "./reports/WeeklyReports.js"
import { Responses } from "./responses/Responses.js"
import { BotSettings } from "./runtime/BotSettings.js"
import { Timers } from "./timers/Timers.js"

/** The bot's features over whatever infrastructure is provided (production, or the twins in tests). */
export const Features = Layer.mergeAll(
  Intake.Live,
  Buttons.Live,
  Commands.Live,
  Responses.Live,
  RelayLive,
  WeeklyReports.Live,
  ExportIndex.Live,
  SupportChannel.Check,
  AlertChannels.Check,
  Timers.Live,
  PendingSweep.Live,
).pipe(
  Layer.provideMerge(Layer.mergeAll(AlertDispatcher.Live, NlpOutage.Live)),
  Layer.provideMerge(AlertLifecycle.Live),
  Layer.provideMerge(Layer.mergeAll(AshContact.Live, RelayThreads.Live)),
)

/** Every feature of the running bot, on its infrastructure. */
export const BotLive = Effect.gen(function* () {
  const config = yield* BotConfigFromEnv
  const stores = Layer.mergeAll(
    AlertStore.layer(config.retention).pipe(Layer.provideMerge(TimerStore.Live)),
    CooldownStore.Live,
    MemberStore.Live,
    IntakeCounters.layer(config.retention.dailyMs),
    OutageBuffer.Live,
    PendingAlerts.Live,
    ResponseIndex.Live,
    RelayStore.Live,
    ReportLedger.Live,
  ).pipe(Layer.provideMerge(Redis.Live))
  const infrastructure = Layer.mergeAll(
    stores,
    NlpClient.Live,
    Discord.layer({ token: config.discordToken, apiUrl: config.discordApiUrl }),
    BotSettings.layer(config),
    ReportChart.Live,
  )
  return Features.pipe(Layer.provideMerge(infrastructure))
}).pipe(Layer.unwrapEffect)

/** Run until SIGTERM/SIGINT; an invalid configuration exits 78 naming the variables. */
const main = () => {
  const controller = new AbortController()
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => controller.abort())
  const program = Layer.launch(BotLive).pipe(Logger.withMinimumLogLevel(LogLevel.Info))
  return Effect.runPromiseExit(program, { signal: controller.signal }).then((exit) => {
    if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) {
      console.log("Ash-Bot stopped")
      return 0
    }
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && ConfigError.isConfigError(failure.value)) {
      console.error(describeConfigError(failure.value))
      return 78
    }
    console.error(`Ash-Bot stopped on an error:\n${Cause.pretty(exit.cause)}`)
    return 1
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Real environment variables win over .env: Node's loader never overwrites a set variable.
  if (existsSync(".env")) process.loadEnvFile(".env")
  main().then((code) => process.exit(code))
}
