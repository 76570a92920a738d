import {
  type GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayReadyDispatchData,
  type Snowflake,
} from "discord-api-types/v10"
import type { WebSocketServer } from "ws"
import type { EmulatorCore, EmulatorState } from "./emulatorState.js"
import { Gateway, type SessionView } from "./Gateway.js"
import type { Endpoints } from "./loopback.js"
import type { MessageRecord } from "./MessageStore.js"
import type { DiscordEmulatorOptions } from "./types.js"
import { isThread, NO_FLAGS, type World } from "./World.js"

const PRIVILEGED_ALL =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent

const guildCreate = (world: World, guildId: Snowflake) => {
  const guild = world.guild(guildId)
  if (guild === undefined) return undefined
  const channels = world.guildChannels(guildId).filter((c) => !isThread(c))
  return {
    ...guild,
    joined_at: new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: world.guildMembers(guildId).length,
    voice_states: [],
    members: world.guildMembers(guildId),
    channels,
    // Discord lists the guild's active threads only: archived ones are fetched on demand.
    threads: world.threads(guildId).filter((t) => t.thread_metadata?.archived !== true),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  }
}

/** The gateway of this world: READY, a GUILD_CREATE per guild, member chunks, and its records. */
export const openGateway = (
  state: EmulatorState,
  endpoints: Endpoints,
  wss: WebSocketServer,
  options: DiscordEmulatorOptions,
): Gateway => {
  const { world, botUser, log } = state
  return new Gateway(wss, {
    token: state.token,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000,
    privilegedIntents: options.privilegedIntents ?? PRIVILEGED_ALL,
    ready: (sessionId, shard): GatewayReadyDispatchData => ({
      v: 10,
      user: botUser,
      guilds: [...world.guilds.keys()].map((id) => ({ id, unavailable: true })),
      session_id: sessionId,
      resume_gateway_url: endpoints.gatewayUrl,
      shard,
      application: { id: state.applicationId, flags: NO_FLAGS, flags_new: "0" },
    }),
    guildCreates: () => [...world.guilds.keys()].flatMap((id) => guildCreate(world, id) ?? []),
    membersChunk: (request) => {
      const guildId = typeof request.guild_id === "string" ? request.guild_id : ""
      return { guild_id: guildId, members: world.guildMembers(guildId), chunk_index: 0, chunk_count: 1 }
    },
    record: (event) => {
      log(`gateway ${event.kind}${"code" in event ? ` ${event.code}` : ""}`)
      state.gatewayEvents.push(event)
    },
    violation: state.violation,
  })
}

const has = (session: SessionView, intent: GatewayIntentBits) => (session.intents & intent) !== 0

/** MESSAGE_CREATE/UPDATE as each session may see it: no content without MESSAGE_CONTENT. */
export const dispatchMessage = (
  core: EmulatorCore,
  t: GatewayDispatchEvents.MessageCreate | GatewayDispatchEvents.MessageUpdate,
  record: MessageRecord,
): void => {
  if (record.ephemeral) return
  const { world, botUser } = core
  const message = record.message
  const guildId = record.guildId
  const member = guildId === undefined ? undefined : world.member(guildId, message.author.id)
  const memberNoUser = member === undefined ? undefined : (({ user: _, ...rest }) => rest)(member)
  core.gateway.dispatch(
    t,
    (session) => {
      const needed =
        guildId === undefined ? GatewayIntentBits.DirectMessages : GatewayIntentBits.GuildMessages
      if (!has(session, needed)) return undefined
      const readable =
        has(session, GatewayIntentBits.MessageContent) ||
        guildId === undefined ||
        message.author.id === botUser.id ||
        message.mentions.some((u) => u.id === botUser.id)
      const visible = readable
        ? message
        : { ...message, content: "", embeds: [], attachments: [], components: [] }
      return {
        ...visible,
        ...(guildId === undefined ? {} : { guild_id: guildId }),
        ...(memberNoUser === undefined ? {} : { member: memberNoUser }),
      }
    },
    guildId,
  )
}
