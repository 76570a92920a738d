import { Context, Effect, Layer } from "effect"
import { type DiscordSettings, makeLive } from "./DiscordLive.js"
import { DiscordMemory, makeMemory } from "./DiscordMemory.js"
import type { DiscordError, DiscordService } from "./DiscordPort.js"

export type { DiscordSettings } from "./DiscordLive.js"
export { DiscordMemory } from "./DiscordMemory.js"
export * from "./DiscordPort.js"

/**
 * The Discord port: `Discord.layer(settings)` logs in with discord.js for as long as the layer
 * lives; `Discord.Memory` is the in-process twin, with its control (`DiscordMemory`) for tests.
 */
export class Discord extends Context.Tag("ash/Discord")<Discord, DiscordService>() {
  static layer(settings: DiscordSettings): Layer.Layer<Discord, DiscordError> {
    return Layer.scoped(Discord, makeLive(settings))
  }

  static Memory: Layer.Layer<Discord | DiscordMemory> = Layer.effectContext(
    Effect.map(makeMemory, ({ service, control }) =>
      Context.make(Discord, service).pipe(Context.add(DiscordMemory, control)),
    ),
  )
}
