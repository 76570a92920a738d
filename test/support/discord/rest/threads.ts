import {
  ChannelType,
  GatewayDispatchEvents,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
} from "discord-api-types/v10"
import type { EmulatorCore } from "../emulatorState.js"
import { discordError, noContent, notFound, ok, type Reply } from "../httpKit.js"
import { isThread } from "../World.js"
import { invalidFormBody, type Route, type RouteContext } from "./route.js"

/** Starts a thread in a text or announcement channel, from a message or on its own. */
const createThread = (emu: EmulatorCore, ctx: RouteContext): Reply => {
  const { world } = emu
  const parent = world.channels.get(ctx.params.channel ?? "")
  if (
    parent === undefined ||
    (parent.type !== ChannelType.GuildText && parent.type !== ChannelType.GuildAnnouncement)
  ) {
    return notFound(RESTJSONErrorCodes.UnknownChannel, "Channel")
  }
  const json = (ctx.request.json ?? {}) as Record<string, unknown>
  const name = typeof json.name === "string" ? json.name : ""
  if (name.length < 1 || name.length > 100) {
    emu.violation(`thread name must be 1-100 characters, got ${name.length}`)
    return invalidFormBody()
  }
  const fromMessage = ctx.params.message
  if (fromMessage !== undefined && world.channels.has(fromMessage))
    return discordError(400, 160004, "A thread has already been created for this message")
  const type =
    fromMessage !== undefined
      ? ChannelType.PublicThread
      : json.type === ChannelType.PublicThread
        ? ChannelType.PublicThread
        : ChannelType.PrivateThread
  // Starting a thread takes Create Public (or Private) Threads in its channel, as on Discord.
  const needed =
    type === ChannelType.PublicThread
      ? PermissionFlagsBits.CreatePublicThreads
      : PermissionFlagsBits.CreatePrivateThreads
  const guildId = world.guildIdOf(parent.id)
  if (guildId === undefined || (world.permissions(guildId, emu.botUser.id) & needed) === 0n)
    return discordError(403, RESTJSONErrorCodes.MissingPermissions, "Missing Permissions")
  const archive = json.auto_archive_duration
  const thread = world.createThread(parent, {
    ...(fromMessage === undefined ? {} : { id: fromMessage }),
    type,
    name,
    ownerId: emu.botUser.id,
    autoArchiveDuration: archive === 60 || archive === 4320 || archive === 10080 ? archive : 1440,
    invitable: json.invitable !== false,
  })
  emu.gateway.dispatch(
    GatewayDispatchEvents.ThreadCreate,
    () => ({ ...thread, newly_created: true }),
    thread.guild_id,
  )
  return { status: 201, body: thread }
}

const addThreadMember = (emu: EmulatorCore, ctx: RouteContext): Reply => {
  const { world } = emu
  const thread = world.channels.get(ctx.params.channel ?? "")
  const members = world.threadMembers.get(ctx.params.channel ?? "")
  if (thread === undefined || !isThread(thread) || members === undefined) {
    return notFound(RESTJSONErrorCodes.UnknownChannel, "Channel")
  }
  const userId = ctx.params.user === "@me" ? emu.botUser.id : (ctx.params.user ?? "")
  if (thread.guild_id === undefined || world.member(thread.guild_id, userId) === undefined) {
    return notFound(RESTJSONErrorCodes.UnknownMember, "Member")
  }
  members.add(userId)
  return noContent
}

/** Deletes a thread (the emulator deletes no other kind of channel: the bot never asks to). */
const deleteThread = (emu: EmulatorCore, ctx: RouteContext): Reply => {
  const { world } = emu
  const id = ctx.params.channel ?? ""
  const thread = world.channels.get(id)
  if (thread === undefined) return notFound(RESTJSONErrorCodes.UnknownChannel, "Channel")
  const guildId = world.guildIdOf(id)
  const manages = PermissionFlagsBits.ManageThreads | PermissionFlagsBits.Administrator
  const mayManage = guildId !== undefined && (world.permissions(guildId, emu.botUser.id) & manages) !== 0n
  // Deleting a thread takes Manage Threads (its creator included); the emulator deletes nothing else.
  if (!isThread(thread) || !mayManage)
    return discordError(403, RESTJSONErrorCodes.MissingPermissions, "Missing Permissions")
  world.channels.delete(id)
  world.threadMembers.delete(id)
  emu.gateway.dispatch(
    GatewayDispatchEvents.ThreadDelete,
    () => ({ id, type: thread.type, guild_id: thread.guild_id, parent_id: thread.parent_id }),
    thread.guild_id,
  )
  return ok(thread)
}

/**
 * Archives a thread (the only channel change the bot asks for): its creator may, as may whoever
 * has Manage Threads.
 */
const patchThread = (emu: EmulatorCore, ctx: RouteContext): Reply => {
  const { world } = emu
  const id = ctx.params.channel ?? ""
  const thread = world.channels.get(id)
  if (thread === undefined) return notFound(RESTJSONErrorCodes.UnknownChannel, "Channel")
  const json = (ctx.request.json ?? {}) as Record<string, unknown>
  if (!isThread(thread) || typeof json.archived !== "boolean") {
    emu.violation(`PATCH /channels/${id}: the emulator only archives or reopens threads`)
    return invalidFormBody()
  }
  const guildId = world.guildIdOf(id)
  const manages = PermissionFlagsBits.ManageThreads | PermissionFlagsBits.Administrator
  const mayManage = guildId !== undefined && (world.permissions(guildId, emu.botUser.id) & manages) !== 0n
  if (thread.owner_id !== emu.botUser.id && !mayManage)
    return discordError(403, RESTJSONErrorCodes.MissingPermissions, "Missing Permissions")
  const meta = thread.thread_metadata
  const updated = {
    ...thread,
    ...(meta === undefined
      ? {}
      : {
          thread_metadata: { ...meta, archived: json.archived, archive_timestamp: new Date().toISOString() },
        }),
  }
  world.channels.set(id, updated)
  emu.gateway.dispatch(GatewayDispatchEvents.ThreadUpdate, () => updated, thread.guild_id)
  return ok(updated)
}

/** Threads: created in a channel or from one of its messages, archived, deleted, and their members. */
export const threadRoutes = (emu: EmulatorCore): Route[] => [
  { method: "POST", pattern: "/channels/:channel/threads", handle: (ctx) => createThread(emu, ctx) },
  { method: "DELETE", pattern: "/channels/:channel", handle: (ctx) => deleteThread(emu, ctx) },
  { method: "PATCH", pattern: "/channels/:channel", handle: (ctx) => patchThread(emu, ctx) },
  {
    method: "POST",
    pattern: "/channels/:channel/messages/:message/threads",
    handle: (ctx) => createThread(emu, ctx),
  },
  {
    method: "PUT",
    pattern: "/channels/:channel/thread-members/:user",
    handle: (ctx) => addThreadMember(emu, ctx),
  },
]
