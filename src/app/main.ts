import { existsSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { Cause, ConfigError, Effect, Exit, Layer, Logger, LogLevel, Option } from "effect"
import { AlertStore } from "../shell/AlertStore.js"
import { BotConfigFromEnv, describeConfigError } from "../shell/AppConfig.js"
import { CooldownStore } from "../shell/CooldownStore.js"
import { Discord } from "../shell/Discord.js"
import { IntakeCounters } from "../shell/IntakeCounters.js"
import { MemberStore } from "../shell/MemberStore.js"
import { NlpClient } from "../shell/NlpClient.js"
import { Redis } from "../shell/Redis.js"
import { TimerStore } from "../shell/TimerStore.js"
import { BotSettings } from "./BotSettings.js"
import { IntakeLive } from "./Intake.js"
import { InteractionsLive } from "./Interactions.js"
import { NlpOutage } from "./NlpOutage.js"
import { TimersLive } from "./Timers.js"

/** Every feature of the running bot, on its infrastructure. */
export const BotLive = Effect.gen(function* () {
  const config = yield* BotConfigFromEnv
  const stores = Layer.mergeAll(
    AlertStore.redis(config.retention).pipe(Layer.provideMerge(TimerStore.Redis)),
    CooldownStore.Redis,
    MemberStore.Redis,
    IntakeCounters.redis(config.retention.dailyMs),
  ).pipe(Layer.provideMerge(Redis.Live))
  const infrastructure = Layer.mergeAll(
    stores,
    NlpClient.Live,
    Discord.layer({ token: config.discordToken, apiUrl: config.discordApiUrl }),
    BotSettings.layer(config),
  )
  const features = Layer.scopedDiscard(
    Effect.all([IntakeLive, InteractionsLive, TimersLive], { discard: true }),
  )
  return features.pipe(Layer.provide(NlpOutage.Live), Layer.provideMerge(infrastructure))
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
