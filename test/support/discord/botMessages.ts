import {
  type APIAttachment,
  type APIInteraction,
  type APIMessage,
  type APIUser,
  ChannelType,
  GatewayDispatchEvents,
  InteractionType,
  MessageFlags,
  MessageType,
  RESTJSONErrorCodes,
  type Snowflake,
} from "discord-api-types/v10"
import type { EmulatorCore } from "./emulatorState.js"
import { dispatchMessage } from "./gatewayFeed.js"
import { discordError, type Reply, type UploadedFile } from "./httpKit.js"
import type { InteractionState } from "./Interactions.js"
import type { MessageBody, MessageRecord, MessageStore } from "./MessageStore.js"
import { errorTree, messageProblems, type ResolvedMentions, resolveMentions } from "./messageRules.js"
import type { StoredFile } from "./types.js"
import type { ChannelRecord } from "./World.js"

export interface BotMessageExtra {
  readonly ephemeral: boolean
  readonly loading: boolean
  /** The interaction this message answers. */
  readonly interaction?: InteractionState
  /** Sent through the interaction webhook (a follow-up). */
  readonly webhook?: boolean
}

/** Messages the bot sends, edits and deletes, each announced on the gateway. */
export interface BotMessages {
  /** Attachments for uploaded files, named and described as the body's `attachments` say. */
  storedFiles(files: readonly UploadedFile[], body: MessageBody): StoredFile[]
  /** Checks a bot-sent body against Discord's rules; a Reply when Discord would refuse it. */
  refuse(what: string, body: MessageBody, creating: boolean): Reply | undefined
  create(
    channel: ChannelRecord,
    body: MessageBody,
    files: StoredFile[],
    extra: BotMessageExtra,
  ): MessageRecord
  edit(id: Snowflake, body: MessageBody, files: StoredFile[]): APIMessage
  delete(record: MessageRecord): void
}

const interactionUser = (payload: APIInteraction): APIUser => {
  const user = payload.member?.user ?? payload.user
  if (user === undefined) throw new Error("emulator: interaction without a user")
  return user
}

const interactionMetadata = (interaction: InteractionState) =>
  ({
    id: interaction.id,
    type: interaction.payload.type,
    user: interactionUser(interaction.payload),
    authorizing_integration_owners: interaction.payload.authorizing_integration_owners,
    ...(interaction.payload.type === InteractionType.MessageComponent
      ? { interacted_message_id: interaction.payload.message.id }
      : {}),
  }) as APIMessage["interaction_metadata"] & object

/** The message reference of a reply to `referenced`, with the message itself. */
export const replyTo = (referenced: APIMessage | undefined, guildId: Snowflake | undefined) =>
  referenced === undefined
    ? {}
    : {
        reference: {
          message_id: referenced.id,
          channel_id: referenced.channel_id,
          ...(guildId ? { guild_id: guildId } : {}),
        },
        referenced,
      }

/**
 * The message a reply refers to: Discord looks for it in the channel the reply is sent to (a
 * reference naming another channel finds nothing), and never finds an ephemeral one.
 */
export const replyTarget = (
  store: MessageStore,
  channelId: Snowflake,
  reference: MessageBody["message_reference"],
): APIMessage | undefined => {
  if (reference === undefined || reference === null || reference.message_id === undefined) return undefined
  if (reference.channel_id !== undefined && reference.channel_id !== channelId) return undefined
  const record = store.get(reference.message_id)
  return record === undefined || record.ephemeral || record.message.channel_id !== channelId
    ? undefined
    : record.message
}

/** The attachment Discord serves for an uploaded file, under the emulator's own URL. */
export const attachmentOf = (
  baseUrl: string,
  id: Snowflake,
  filename: string,
  size: number,
): Pick<APIAttachment, "id" | "filename" | "size" | "url" | "proxy_url"> => ({
  id,
  filename,
  size,
  url: `${baseUrl}/attachments/${id}/${encodeURIComponent(filename)}`,
  proxy_url: `${baseUrl}/attachments/${id}/${encodeURIComponent(filename)}`,
})

const refuse = (
  core: EmulatorCore,
  what: string,
  body: MessageBody,
  creating: boolean,
): Reply | undefined => {
  const problems = messageProblems(body)
  if (problems.length > 0) {
    core.violation(`${what}: invalid form body ${JSON.stringify(errorTree(problems))}`)
    return discordError(
      400,
      RESTJSONErrorCodes.InvalidFormBodyOrContentType,
      "Invalid Form Body",
      errorTree(problems),
    )
  }
  const hasContent = typeof body.content === "string" && body.content !== ""
  if (hasContent && (body.allowed_mentions === undefined || body.allowed_mentions === null)) {
    core.violation(`${what}: content sent without explicit allowed_mentions`)
  }
  if (creating && !hasContent && (body.embeds ?? []).length === 0 && (body.components ?? []).length === 0) {
    if ((body.attachments ?? []).length === 0 && (body.flags ?? 0) === 0) {
      return discordError(400, RESTJSONErrorCodes.CannotSendAnEmptyMessage, "Cannot send an empty message")
    }
  }
  return undefined
}

/**
 * A bot message in a private thread adds each member it pings to the thread, as Discord does. A
 * role ping adds nobody: Discord does not add a role's members for a bot's mention (they are
 * notified only if they can already see the thread, e.g. with Manage Threads).
 */
const joinByMention = (core: EmulatorCore, channel: ChannelRecord, mentions: ResolvedMentions): void => {
  const members = core.world.threadMembers.get(channel.id)
  const guildId = core.world.guildIdOf(channel.id)
  if (channel.type !== ChannelType.PrivateThread || members === undefined || guildId === undefined) return
  for (const id of mentions.users) if (core.world.member(guildId, id) !== undefined) members.add(id)
}

const create = (
  core: EmulatorCore,
  channel: ChannelRecord,
  body: MessageBody,
  files: StoredFile[],
  extra: BotMessageExtra,
): MessageRecord => {
  const { world, store } = core
  const guildId = world.guildIdOf(channel.id)
  const referenced = replyTarget(store, channel.id, body.message_reference)
  const mentions = resolveMentions(
    body.content ?? "",
    body.allowed_mentions ?? undefined,
    referenced?.author.id,
  )
  const flags = (body.flags ?? 0) | (extra.loading ? MessageFlags.Loading : 0)
  const interaction = extra.interaction
  const record = store.create({
    id: core.nextId(),
    channelId: channel.id,
    guildId,
    author: core.botUser,
    type: interaction === undefined && referenced === undefined ? MessageType.Default : MessageType.Reply,
    body: { ...body, flags },
    attachments: files.map((f) => f.attachment),
    files,
    mentions,
    mentionedUsers: mentions.users.flatMap((id) => world.user(id) ?? []),
    ...replyTo(referenced, guildId),
    ...(interaction === undefined ? {} : { interactionMetadata: interactionMetadata(interaction) }),
    ...(extra.webhook === true ? { webhookId: core.applicationId } : {}),
    ephemeral: extra.ephemeral,
    loading: extra.loading,
  })
  joinByMention(core, channel, mentions)
  dispatchMessage(core, GatewayDispatchEvents.MessageCreate, record)
  return record
}

const edit = (core: EmulatorCore, id: Snowflake, body: MessageBody, files: StoredFile[]): APIMessage => {
  const record = core.store.get(id)
  const mentions =
    body.content === undefined || body.content === null
      ? undefined
      : resolveMentions(body.content, body.allowed_mentions ?? undefined, undefined)
  const edited = core.store.edit(
    id,
    body,
    {
      // Any edit ends a deferred response's "thinking…" state, whether or not it sets content.
      flags: (record?.message.flags ?? 0) & ~MessageFlags.Loading,
      ...(mentions === undefined
        ? {}
        : {
            mention_everyone: mentions.everyone,
            mention_roles: mentions.roles,
            mentions: mentions.users.flatMap((u) => core.world.user(u) ?? []),
          }),
    },
    files,
  )
  dispatchMessage(core, GatewayDispatchEvents.MessageUpdate, edited)
  return edited.message
}

const remove = (core: EmulatorCore, record: MessageRecord): void => {
  core.store.delete(record.message.id)
  const guildId = record.guildId
  core.gateway.dispatch(
    GatewayDispatchEvents.MessageDelete,
    () => ({
      id: record.message.id,
      channel_id: record.message.channel_id,
      ...(guildId ? { guild_id: guildId } : {}),
    }),
    guildId,
  )
}

export const botMessages = (core: EmulatorCore): BotMessages => ({
  storedFiles: (files, body) =>
    files.map((file, index) => {
      const described = body.attachments?.find((a) => String(a.id) === String(index))
      const id = core.nextId()
      const attachment: APIAttachment = {
        ...attachmentOf(core.baseUrl, id, file.filename, file.data.byteLength),
        filename: described?.filename ?? file.filename,
        content_type: file.contentType,
        ...(described?.description === undefined ? {} : { description: described.description }),
      }
      return { attachment, data: file.data }
    }),
  refuse: (what, body, creating) => refuse(core, what, body, creating),
  create: (channel, body, files, extra) => create(core, channel, body, files, extra),
  edit: (id, body, files) => edit(core, id, body, files),
  delete: (record) => remove(core, record),
})
