import { Context, Layer } from "effect"
import type { BotConfig } from "../../shell/AppConfig.js"

/** The decoded configuration, available to every feature. */
export class BotSettings extends Context.Tag("ash/BotSettings")<BotSettings, BotConfig>() {
  static layer = (config: BotConfig): Layer.Layer<BotSettings> => Layer.succeed(BotSettings, config)
}
