import {
  type APIMessage,
  ChannelType,
  GatewayDispatchEvents,
  GatewayOpcodes,
  MessageType,
} from "discord-api-types/v10"
import { attachmentOf, replyTarget, replyTo } from "./botMessages.js"
import type { EmulatorContext } from "./emulatorState.js"
import { dispatchMessage } from "./gatewayFeed.js"
import { resolveMentions } from "./messageRules.js"
import type { DiscordEmulator, MemberSaysInput, StoredFile, ThreadRecord } from "./types.js"
import { clickButton, runSlashCommand } from "./userInteractions.js"
import { channelOrThrow, memberOrThrow } from "./worldLookups.js"

/** Attachments a member posts: only their size is real, the bytes are zeros. */
const memberAttachments = (emu: EmulatorContext, input: MemberSaysInput): StoredFile[] =>
  (input.attachments ?? []).map((a) => {
    const id = emu.nextId()
    const size = a.size ?? 1024
    return {
      attachment: {
        ...attachmentOf(emu.baseUrl, id, a.filename, size),
        ...(a.contentType === undefined ? {} : { content_type: a.contentType }),
      },
      data: new Uint8Array(size),
    }
  })

/** A member posts a message (a reply when it references one), announced on the gateway. */
const memberSays = (emu: EmulatorContext, input: MemberSaysInput): APIMessage => {
  const { world, store } = emu
  const channel = channelOrThrow(world, input.channelId)
  const guildId = world.guildIdOf(channel.id)
  const author = world.user(input.userId)
  if (author === undefined) throw new Error(`emulator: no user ${input.userId}`)
  if (guildId !== undefined) memberOrThrow(world, guildId, input.userId)
  if (channel.type === ChannelType.PrivateThread && !world.seesPrivateThread(channel.id, input.userId))
    throw new Error(`emulator: ${input.userId} cannot see the private thread ${channel.id}`)
  const referenced =
    input.messageReference === undefined
      ? undefined
      : replyTarget(store, channel.id, { message_id: input.messageReference })
  if (input.messageReference !== undefined && referenced === undefined)
    throw new Error(`emulator: no message ${input.messageReference} in channel ${channel.id} to reply to`)
  const parsed = resolveMentions(input.content, undefined, referenced?.author.id)
  const userIds = [...new Set([...parsed.users, ...(input.mentions ?? [])])]
  const mentions = {
    ...parsed,
    users: userIds,
    roles: [...new Set([...parsed.roles, ...(input.mentionRoles ?? [])])],
  }
  const attachments = memberAttachments(emu, input)
  world.reopenIfArchived(channel.id)
  const record = store.create({
    id: emu.nextId(),
    channelId: channel.id,
    guildId,
    author,
    type: referenced === undefined ? MessageType.Default : MessageType.Reply,
    body: { content: input.content },
    attachments: attachments.map((f) => f.attachment),
    files: attachments,
    mentions,
    mentionedUsers: userIds.flatMap((id) => world.user(id) ?? []),
    ...replyTo(referenced, guildId),
    ephemeral: false,
    loading: false,
  })
  dispatchMessage(emu, GatewayDispatchEvents.MessageCreate, record)
  return record.message
}

type Controls = Pick<
  DiscordEmulator,
  | "dropGateway"
  | "sendReconnect"
  | "sendInvalidSession"
  | "setHeartbeatAcks"
  | "failNext"
  | "setDmsOpen"
  | "setMemberRoles"
>

/** Gateway drops and opcodes, REST faults, and changes to users and members. */
const controls = ({ gateway, world, faults }: EmulatorContext): Controls => ({
  dropGateway: (code) => gateway.drop(code),
  sendReconnect: () => gateway.sendOp(GatewayOpcodes.Reconnect, null),
  sendInvalidSession: (resumable) => gateway.sendOp(GatewayOpcodes.InvalidSession, resumable),
  setHeartbeatAcks: (enabled) => gateway.setHeartbeatAcks(enabled),
  failNext: (fault) => faults.add(fault),
  setDmsOpen: (userId, open) => {
    const entry = world.users.get(userId)
    if (entry === undefined) throw new Error(`emulator: no user ${userId}`)
    entry.acceptsDms = open
  },
  setMemberRoles: (guildId, userId, roles) => {
    world.setRoles(guildId, userId, roles)
    const member = world.member(guildId, userId)
    gateway.dispatch(
      GatewayDispatchEvents.GuildMemberUpdate,
      () => ({ ...member, guild_id: guildId }),
      guildId,
    )
  },
})

type Inspection = Pick<
  DiscordEmulator,
  | "messages"
  | "message"
  | "allowedMentions"
  | "waitForMessage"
  | "waitForEdit"
  | "dmsTo"
  | "dmChannel"
  | "threads"
  | "files"
>

/** What a test reads back: messages, edits, DMs, threads and uploaded files. */
const inspection = ({ world, store, botUser }: EmulatorContext): Inspection => ({
  messages: (channelId) => store.inChannel(channelId),
  message: (messageId) => store.get(messageId)?.message,
  allowedMentions: (messageId) => store.get(messageId)?.allowedMentions,
  waitForMessage: (channelId, predicate = () => true, timeoutMs = 5_000) =>
    store.waitForMessage(channelId, predicate, timeoutMs),
  waitForEdit: (messageId, predicate = () => true, timeoutMs = 5_000) =>
    store.waitForEdit(messageId, predicate, timeoutMs),
  dmsTo: (userId) => {
    const channelId = world.dmChannelIdOf(userId)
    return channelId === undefined ? [] : store.inChannel(channelId).filter((m) => m.author.id === botUser.id)
  },
  dmChannel: (userId) => {
    const channel = world.dmChannel(userId)
    if (channel === undefined) throw new Error(`emulator: no user ${userId}`)
    return channel.id
  },
  threads: (): ThreadRecord[] =>
    world
      .threads()
      .map((channel) => ({ channel, memberIds: [...(world.threadMembers.get(channel.id) ?? [])] })),
  files: (messageId) => store.get(messageId)?.files ?? [],
})

/** The test-control API; `closeServer` closes the listening side once everything else is stopped. */
export const controlApi = (emu: EmulatorContext, closeServer: () => Promise<void>): DiscordEmulator => ({
  port: emu.port,
  baseUrl: emu.baseUrl,
  apiUrl: `${emu.baseUrl}/api`,
  gatewayUrl: emu.gatewayUrl,
  token: emu.token,
  botUser: emu.botUser,
  applicationId: emu.applicationId,
  violations: emu.violations,
  interactions: emu.interactions,
  registeredCommands: emu.registered,
  requests: emu.requests,
  gatewayEvents: emu.gatewayEvents,
  takeViolations: () => emu.violations.splice(0, emu.violations.length),
  memberSays: (input) => memberSays(emu, input),
  clickButton: (input) => clickButton(emu, input),
  runSlashCommand: (input) => runSlashCommand(emu, input),
  ...controls(emu),
  ...inspection(emu),
  stop: async () => {
    for (const state of emu.interactions) state.close()
    emu.store.close()
    emu.gateway.close()
    await closeServer()
  },
})
