import { ChannelType, RESTJSONErrorCodes } from "discord-api-types/v10"
import { replyTarget } from "../botMessages.js"
import type { EmulatorContext } from "../emulatorState.js"
import { discordError, noContent, notFound, ok, type Reply } from "../httpKit.js"
import type { MessageBody, MessageRecord } from "../MessageStore.js"
import { type ChannelRecord, isTextLike, type World } from "../World.js"
import { bodyOf, isReply, type Route, type RouteContext } from "./route.js"

const channelOr404 = (world: World, id: string): ChannelRecord | Reply => {
  const channel = world.channels.get(id)
  return channel === undefined ? notFound(RESTJSONErrorCodes.UnknownChannel, "Channel") : channel
}

/** Refuses a channel the bot cannot post in: not a text channel, or a DM the user closed. */
const unwritable = (world: World, channel: ChannelRecord): Reply | undefined => {
  if (!isTextLike(channel))
    return discordError(
      400,
      RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel,
      "Cannot send messages in a non-text channel",
    )
  if (channel.type === ChannelType.DM) {
    const recipient = channel.recipients?.[0]?.id
    if (recipient !== undefined && world.users.get(recipient)?.acceptsDms === false) {
      return discordError(
        403,
        RESTJSONErrorCodes.CannotSendMessagesToThisUser,
        "Cannot send messages to this user",
      )
    }
  }
  return undefined
}

/**
 * A reply to a message that is not in the channel: refused, unless the body says
 * `fail_if_not_exists: false` (then it is sent as a plain message).
 */
const unknownReplyTarget = (
  emu: EmulatorContext,
  channel: ChannelRecord,
  body: MessageBody,
): Reply | undefined => {
  const reference = body.message_reference
  if (reference === undefined || reference === null || reference.message_id === undefined) return undefined
  if (replyTarget(emu.store, channel.id, reference) !== undefined || reference.fail_if_not_exists === false)
    return undefined
  return discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body", {
    message_reference: {
      _errors: [{ code: "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", message: "Unknown message" }],
    },
  })
}

const postMessage = (emu: EmulatorContext, ctx: RouteContext): Reply => {
  const { messages } = emu
  const channel = channelOr404(emu.world, ctx.params.channel ?? "")
  if (isReply(channel)) return channel
  const closed = unwritable(emu.world, channel)
  if (closed !== undefined) return closed
  const what = `POST /channels/${channel.id}/messages`
  const body = bodyOf(ctx, what, emu.violation)
  if (isReply(body)) return body
  const refused = messages.refuse(what, body, ctx.request.files.length === 0)
  if (refused !== undefined) return refused
  const unknownReference = unknownReplyTarget(emu, channel, body)
  if (unknownReference !== undefined) return unknownReference
  const files = messages.storedFiles(ctx.request.files, body)
  emu.world.reopenIfArchived(channel.id)
  return ok(messages.create(channel, body, files, { ephemeral: false, loading: false }).message)
}

/** A message of the channel in the path that the bot can see (ephemeral ones are not). */
const ownMessage = (emu: EmulatorContext, ctx: RouteContext): MessageRecord | Reply => {
  const record = emu.store.get(ctx.params.message ?? "")
  if (record === undefined || record.message.channel_id !== ctx.params.channel || record.ephemeral) {
    return notFound(RESTJSONErrorCodes.UnknownMessage, "Message")
  }
  return record
}

const patchMessage = (emu: EmulatorContext, ctx: RouteContext): Reply => {
  const { messages } = emu
  const record = ownMessage(emu, ctx)
  if (isReply(record)) return record
  if (record.message.author.id !== emu.botUser.id) {
    return discordError(
      403,
      RESTJSONErrorCodes.CannotEditMessageAuthoredByAnotherUser,
      "Cannot edit a message authored by another user",
    )
  }
  const what = `PATCH /channels/${record.message.channel_id}/messages/${record.message.id}`
  const body = bodyOf(ctx, what, emu.violation)
  if (isReply(body)) return body
  const refused = messages.refuse(what, body, false)
  if (refused !== undefined) return refused
  return ok(messages.edit(record.message.id, body, messages.storedFiles(ctx.request.files, body)))
}

const listMessages = (emu: EmulatorContext, ctx: RouteContext): Reply => {
  const channel = channelOr404(emu.world, ctx.params.channel ?? "")
  if (isReply(channel)) return channel
  const limit = Math.min(100, Math.max(1, Number(ctx.request.query.get("limit") ?? 50) || 50))
  return ok(emu.store.inChannel(channel.id).slice(-limit).reverse())
}

const deleteMessage = (emu: EmulatorContext, ctx: RouteContext): Reply => {
  const record = ownMessage(emu, ctx)
  if (isReply(record)) return record
  emu.messages.delete(record)
  return noContent
}

/** Channels and their messages: read, send (DM channels too), edit, delete, typing. */
export const channelRoutes = (emu: EmulatorContext): Route[] => [
  {
    method: "GET",
    pattern: "/channels/:channel",
    handle: (ctx) => {
      const channel = channelOr404(emu.world, ctx.params.channel ?? "")
      return isReply(channel) ? channel : ok(channel)
    },
  },
  { method: "POST", pattern: "/channels/:channel/messages", handle: (ctx) => postMessage(emu, ctx) },
  { method: "GET", pattern: "/channels/:channel/messages", handle: (ctx) => listMessages(emu, ctx) },
  {
    method: "GET",
    pattern: "/channels/:channel/messages/:message",
    handle: (ctx) => {
      const record = ownMessage(emu, ctx)
      return isReply(record) ? record : ok(record.message)
    },
  },
  {
    method: "PATCH",
    pattern: "/channels/:channel/messages/:message",
    handle: (ctx) => patchMessage(emu, ctx),
  },
  {
    method: "DELETE",
    pattern: "/channels/:channel/messages/:message",
    handle: (ctx) => deleteMessage(emu, ctx),
  },
  { method: "POST", pattern: "/channels/:channel/typing", handle: () => noContent },
]
