import { Client, type ClientOptions, Events, GatewayIntentBits } from "discord.js"
import { Context, Data, Effect, Layer, Option, Redacted } from "effect"

export class DiscordError extends Data.TaggedError("DiscordError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message(): string {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Discord ${this.operation} failed: ${detail}`
  }
}

export interface DiscordSettings {
  readonly token: Redacted.Redacted
  /** REST base override (a rate-limit proxy or a test server); the gateway URL then comes from it. */
  readonly apiUrl: Option.Option<string>
}

/** The gateway intents the bot needs: guilds, guild messages, and their content. */
export const INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
]

/** discord.js options; every REST call (and so the gateway URL lookup) goes through `apiUrl` when set. */
export const clientOptions = (settings: DiscordSettings): ClientOptions => ({
  intents: INTENTS,
  ...(Option.isSome(settings.apiUrl) ? { rest: { api: settings.apiUrl.value } } : {}),
})

/** A logged-in discord.js client. */
export class Discord extends Context.Tag("ash/Discord")<Discord, { readonly client: Client<true> }>() {
  /** Log in on acquire (resolving once the gateway is READY), destroy on release. */
  static layer(settings: DiscordSettings): Layer.Layer<Discord, DiscordError> {
    return Layer.scoped(
      Discord,
      Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            const client = new Client(clientOptions(settings))
            const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve))
            try {
              await client.login(Redacted.value(settings.token))
              return await ready
            } catch (error) {
              await client.destroy()
              throw error
            }
          },
          catch: (cause) => new DiscordError({ operation: "login", cause }),
        }),
        (client) => Effect.promise(() => client.destroy()),
      ).pipe(Effect.map((client) => ({ client }))),
    )
  }
}
