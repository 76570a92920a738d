import {
  type APIApplicationCommand,
  type APIApplicationCommandInteractionDataOption,
  type APIChatInputApplicationCommandInteraction,
  type APIInteraction,
  type APIMessageComponentButtonInteraction,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ChannelType,
  ComponentType,
  GatewayDispatchEvents,
  InteractionContextType,
  InteractionType,
  Locale,
  type Snowflake,
} from "discord-api-types/v10"
import type { EmulatorCore } from "./emulatorState.js"
import { InteractionState } from "./Interactions.js"
import { commandsOf } from "./rest/commands.js"
import { randomSecret } from "./snowflake.js"
import type { ClickButtonInput, InteractionHandle, SlashCommandInput } from "./types.js"
import type { ChannelRecord } from "./World.js"
import { channelOrThrow, guildOfChannel, memberOrThrow } from "./worldLookups.js"

/** Tracks a new interaction (its deadline starts now) and sends INTERACTION_CREATE. */
const startInteraction = (core: EmulatorCore, payload: APIInteraction): InteractionHandle => {
  const { deadlineMs } = core
  const state = new InteractionState(
    payload.id,
    payload.token,
    payload,
    Date.now(),
    deadlineMs,
    core.tokenTtlMs,
    (s) => core.violation(`interaction ${s.id}: no callback within ${deadlineMs} ms`),
  )
  core.interactions.push(state)
  core.byToken.set(state.token, state)
  core.gateway.dispatch(GatewayDispatchEvents.InteractionCreate, () => payload)
  return state
}

/** The fields every guild interaction has, for `userId` in `channel`. */
const interactionBase = (
  core: EmulatorCore,
  guildId: Snowflake,
  channel: ChannelRecord,
  userId: Snowflake,
) => {
  const member = memberOrThrow(core.world, guildId, userId)
  return {
    id: core.nextId(),
    application_id: core.applicationId,
    token: `aW50ZXJhY3Rpb24${randomSecret(48)}`,
    version: 1 as const,
    guild_id: guildId,
    guild: { id: guildId, locale: Locale.EnglishUS, features: [] },
    channel,
    channel_id: channel.id,
    member,
    app_permissions: String(core.world.permissions(guildId, core.botUser.id)),
    locale: Locale.EnglishUS,
    guild_locale: Locale.EnglishUS,
    entitlements: [],
    authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: guildId },
    context: InteractionContextType.Guild,
    attachment_size_limit: 10 * 1024 * 1024,
  }
}

/**
 * The fields of an interaction in the bot's DM with `userId`: no guild and no member, the `user`
 * instead, in the bot-DM context. Only the DM's recipient can see (and so click) anything there.
 */
const dmInteractionBase = (core: EmulatorCore, channel: ChannelRecord, userId: Snowflake) => {
  const recipient = channel.type === ChannelType.DM ? channel.recipients?.[0] : undefined
  if (recipient === undefined || recipient.id !== userId)
    throw new Error(`emulator: ${userId} cannot see the DM channel ${channel.id}`)
  return {
    id: core.nextId(),
    application_id: core.applicationId,
    token: `aW50ZXJhY3Rpb24${randomSecret(48)}`,
    version: 1 as const,
    channel,
    channel_id: channel.id,
    user: recipient,
    app_permissions: "0",
    locale: Locale.EnglishUS,
    entitlements: [],
    authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: "0" },
    context: InteractionContextType.BotDM,
    attachment_size_limit: 10 * 1024 * 1024,
  }
}

/** The options of a slash command invocation, typed as the registered command declares them. */
const optionsFor = (
  input: SlashCommandInput,
  command: APIApplicationCommand,
): APIApplicationCommandInteractionDataOption[] => {
  const declared =
    input.subcommand === undefined
      ? (command.options ?? [])
      : ((
          (command.options ?? []).find(
            (o) => o.name === input.subcommand && o.type === ApplicationCommandOptionType.Subcommand,
          ) as { options?: APIApplicationCommand["options"] } | undefined
        )?.options ?? [])
  const given = Object.entries(input.options ?? {}).map(([name, value]) => {
    const option = declared.find((o) => o.name === name)
    if (option === undefined) throw new Error(`emulator: /${input.name} has no option ${name}`)
    return { name, type: option.type, value } as APIApplicationCommandInteractionDataOption
  })
  if (input.subcommand === undefined) return given
  return [
    {
      name: input.subcommand,
      type: ApplicationCommandOptionType.Subcommand,
      options: given,
    } as APIApplicationCommandInteractionDataOption,
  ]
}

/** A member clicks a button: only an enabled button on the message, unless the click is `unchecked`. */
export const clickButton = (core: EmulatorCore, input: ClickButtonInput): InteractionHandle => {
  const record = core.store.get(input.messageId)
  if (record === undefined) throw new Error(`emulator: no message ${input.messageId}`)
  const onMessage = (record.message.components ?? []).some(
    (row) =>
      row.type === ComponentType.ActionRow &&
      row.components.some(
        (c) =>
          c.type === ComponentType.Button &&
          "custom_id" in c &&
          c.custom_id === input.customId &&
          c.disabled !== true,
      ),
  )
  if (!onMessage && input.unchecked !== true) {
    throw new Error(`emulator: message ${input.messageId} has no enabled button ${input.customId}`)
  }
  const channel = channelOrThrow(core.world, record.message.channel_id)
  const guildId = core.world.guildIdOf(channel.id)
  const payload = {
    ...(guildId === undefined
      ? dmInteractionBase(core, channel, input.userId)
      : interactionBase(core, guildId, channel, input.userId)),
    type: InteractionType.MessageComponent,
    data: { custom_id: input.customId, component_type: ComponentType.Button },
    message: record.message,
  } satisfies APIMessageComponentButtonInteraction
  return startInteraction(core, payload)
}

/** A member runs a registered slash command: the guild's own first, then the global one. */
export const runSlashCommand = (core: EmulatorCore, input: SlashCommandInput): InteractionHandle => {
  const channel = channelOrThrow(core.world, input.channelId)
  const guildId = guildOfChannel(core.world, channel.id)
  const found =
    commandsOf(core.registered, guildId).find((c) => c.command.name === input.name) ??
    commandsOf(core.registered, undefined).find((c) => c.command.name === input.name)
  if (found === undefined) throw new Error(`emulator: /${input.name} is not registered`)
  const payload = {
    ...interactionBase(core, guildId, channel, input.userId),
    type: InteractionType.ApplicationCommand,
    data: {
      id: found.command.id,
      name: found.command.name,
      type: ApplicationCommandType.ChatInput,
      options: optionsFor(input, found.command),
      ...(found.guildId === undefined ? {} : { guild_id: found.guildId }),
    },
  } satisfies APIChatInputApplicationCommandInteraction
  return startInteraction(core, payload)
}
