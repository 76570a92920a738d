import type { APIUser, Snowflake } from "discord-api-types/v10"
import type { BotMessages } from "./botMessages.js"
import { FaultQueue } from "./faults.js"
import type { Gateway } from "./Gateway.js"
import type { InteractionState } from "./Interactions.js"
import type { Endpoints } from "./loopback.js"
import { MessageStore } from "./MessageStore.js"
import { makeSnowflakes, randomSecret } from "./snowflake.js"
import type { DiscordEmulatorOptions, GatewayEventRecord, RegisteredCommand, RequestRecord } from "./types.js"
import { World } from "./World.js"

/** The emulator's identity, its world and messages, and everything it records for the tests. */
export interface EmulatorState {
  readonly nextId: () => Snowflake
  readonly log: (line: string) => void
  readonly token: string
  readonly botUser: APIUser
  readonly applicationId: Snowflake
  readonly deadlineMs: number
  readonly tokenTtlMs: number
  readonly world: World
  readonly store: MessageStore
  readonly faults: FaultQueue
  readonly violations: string[]
  readonly requests: RequestRecord[]
  readonly gatewayEvents: GatewayEventRecord[]
  readonly interactions: InteractionState[]
  /** Interactions by token, for the webhook routes. */
  readonly byToken: Map<string, InteractionState>
  readonly registered: RegisteredCommand[]
  /** Logs a protocol or limit breach and keeps it in `violations`. */
  readonly violation: (message: string) => void
}

/** The state with its endpoints and the gateway that announces what happens in it. */
export interface EmulatorCore extends EmulatorState, Endpoints {
  readonly gateway: Gateway
}

/** What REST routes and the test-control API work with. */
export interface EmulatorContext extends EmulatorCore {
  readonly messages: BotMessages
}

export const createState = (options: DiscordEmulatorOptions): EmulatorState => {
  const nextId = makeSnowflakes()
  const log = options.log ?? (() => undefined)
  const token = options.token ?? `${randomSecret(18)}.${randomSecret(6)}.${randomSecret(27)}`
  const botUser: APIUser = {
    id: options.bot?.id ?? nextId(),
    username: options.bot?.username ?? "Ash",
    discriminator: "0",
    global_name: null,
    avatar: null,
    bot: true,
  }
  const violations: string[] = []
  return {
    nextId,
    log,
    token,
    botUser,
    applicationId: options.applicationId ?? botUser.id,
    deadlineMs: options.interactionDeadlineMs ?? 3_000,
    tokenTtlMs: options.interactionTokenTtlMs ?? 15 * 60_000,
    world: new World(botUser, options.guilds ?? [], nextId),
    store: new MessageStore(),
    faults: new FaultQueue(),
    violations,
    requests: [],
    gatewayEvents: [],
    interactions: [],
    byToken: new Map(),
    registered: [],
    violation: (message) => {
      log(`VIOLATION ${message}`)
      violations.push(message)
    },
  }
}
