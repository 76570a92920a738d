import {
  type APIDMChannel,
  type APIGuild,
  type APIGuildCategoryChannel,
  type APIGuildMember,
  type APIInteractionGuildMember,
  type APINewsChannel,
  type APIRole,
  type APITextChannel,
  type APIThreadChannel,
  type APIUser,
  ChannelType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  Locale,
  PermissionFlagsBits,
  type Snowflake,
} from "discord-api-types/v10"
import type { ChannelSeed, GuildSeed, MemberSeed, RoleSeed } from "./types.js"

export type GuildChannel = APITextChannel | APINewsChannel | APIGuildCategoryChannel
export type ChannelRecord = GuildChannel | APIDMChannel | APIThreadChannel

interface MemberState {
  roles: readonly Snowflake[]
  readonly nick: string | null
  readonly joinedAt: string
}

interface GuildState {
  readonly id: Snowflake
  readonly name: string
  readonly ownerId: Snowflake
  readonly roles: Map<Snowflake, APIRole>
  readonly channelIds: Snowflake[]
  readonly members: Map<Snowflake, MemberState>
}

/** What a bot usually holds; Administrator is deliberately absent. */
const everyonePermissions =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.CreatePrivateThreads

/** Discord's bit-flag fields are enums; none of their bits is set on what the emulator creates. */
export const NO_FLAGS = 0 as never

const allPermissions = Object.values(PermissionFlagsBits).reduce((a, b) => a | b, 0n)

const userOf = (seed: MemberSeed): APIUser => ({
  id: seed.id,
  username: seed.username,
  discriminator: "0",
  global_name: seed.globalName ?? null,
  avatar: null,
  ...(seed.bot === true ? { bot: true } : {}),
})

const roleOf = (seed: RoleSeed, position: number): APIRole => ({
  id: seed.id,
  name: seed.name,
  color: seed.color ?? 0,
  colors: { primary_color: seed.color ?? 0, secondary_color: null, tertiary_color: null },
  hoist: false,
  icon: null,
  unicode_emoji: null,
  position: seed.position ?? position,
  permissions: String(seed.permissions ?? 0n),
  managed: false,
  mentionable: seed.mentionable ?? false,
  flags: NO_FLAGS,
})

const channelOf = (guildId: Snowflake, seed: ChannelSeed, position: number): GuildChannel => {
  const base = {
    id: seed.id,
    guild_id: guildId,
    name: seed.name,
    position,
    permission_overwrites: [],
    flags: NO_FLAGS,
  }
  const parent = { parent_id: seed.parentId ?? null }
  if (seed.type === ChannelType.GuildCategory)
    return { ...base, type: ChannelType.GuildCategory, parent_id: null }
  const text = { ...base, ...parent, topic: seed.topic ?? null, nsfw: false, last_message_id: null }
  if (seed.type === ChannelType.GuildAnnouncement) return { ...text, type: ChannelType.GuildAnnouncement }
  return { ...text, type: ChannelType.GuildText, rate_limit_per_user: 0 }
}

/** Users, guilds, roles, members and channels: everything but messages. */
export class World {
  readonly users = new Map<Snowflake, { readonly user: APIUser; acceptsDms: boolean }>()
  readonly guilds = new Map<Snowflake, GuildState>()
  readonly channels = new Map<Snowflake, ChannelRecord>()
  readonly threadMembers = new Map<Snowflake, Set<Snowflake>>()
  private readonly dmByUser = new Map<Snowflake, Snowflake>()

  constructor(
    readonly bot: APIUser,
    seeds: readonly GuildSeed[],
    private readonly nextId: () => Snowflake,
  ) {
    this.users.set(bot.id, { user: bot, acceptsDms: false })
    const joinedAt = new Date().toISOString()
    for (const seed of seeds) {
      const everyone = roleOf({ id: seed.id, name: "@everyone", permissions: everyonePermissions }, 0)
      const roles = new Map([[seed.id, everyone]])
      for (const [i, r] of (seed.roles ?? []).entries()) roles.set(r.id, roleOf(r, i + 1))
      const members = new Map<Snowflake, MemberState>()
      members.set(bot.id, { roles: seed.botRoles ?? [], nick: null, joinedAt })
      for (const m of seed.members ?? []) {
        this.users.set(m.id, { user: userOf(m), acceptsDms: m.acceptsDms ?? true })
        members.set(m.id, { roles: m.roles ?? [], nick: m.nick ?? null, joinedAt })
      }
      const channels = (seed.channels ?? []).map((c, i) => channelOf(seed.id, c, i))
      for (const c of channels) this.channels.set(c.id, c)
      this.guilds.set(seed.id, {
        id: seed.id,
        name: seed.name ?? "Emulated Guild",
        ownerId: seed.ownerId ?? seed.members?.[0]?.id ?? bot.id,
        roles,
        channelIds: channels.map((c) => c.id),
        members,
      })
    }
  }

  user(id: Snowflake): APIUser | undefined {
    return this.users.get(id)?.user
  }

  member(guildId: Snowflake, userId: Snowflake): APIGuildMember | undefined {
    const state = this.guilds.get(guildId)?.members.get(userId)
    const user = this.user(userId)
    if (state === undefined || user === undefined) return undefined
    return {
      user,
      nick: state.nick,
      avatar: null,
      banner: null,
      roles: [...state.roles],
      joined_at: state.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: NO_FLAGS,
      pending: false,
      communication_disabled_until: null,
    }
  }

  interactionMember(guildId: Snowflake, userId: Snowflake): APIInteractionGuildMember | undefined {
    const member = this.member(guildId, userId)
    const user = this.user(userId)
    if (member === undefined || user === undefined) return undefined
    return { ...member, user, permissions: String(this.permissions(guildId, userId)) }
  }

  setRoles(guildId: Snowflake, userId: Snowflake, roles: readonly Snowflake[]): void {
    const state = this.guilds.get(guildId)?.members.get(userId)
    if (state === undefined) throw new Error(`emulator: ${userId} is not a member of guild ${guildId}`)
    state.roles = [...roles]
  }

  permissions(guildId: Snowflake, userId: Snowflake): bigint {
    const guild = this.guilds.get(guildId)
    const state = guild?.members.get(userId)
    if (guild === undefined || state === undefined) return 0n
    if (guild.ownerId === userId) return allPermissions
    const bits = [guildId, ...state.roles].reduce(
      (acc, id) => acc | BigInt(guild.roles.get(id)?.permissions ?? "0"),
      0n,
    )
    return (bits & PermissionFlagsBits.Administrator) !== 0n ? allPermissions : bits
  }

  /** The guild a channel (or thread) belongs to; undefined for DMs. */
  guildIdOf(channelId: Snowflake): Snowflake | undefined {
    const channel = this.channels.get(channelId)
    return channel === undefined || channel.type === ChannelType.DM ? undefined : channel.guild_id
  }

  guild(guildId: Snowflake): APIGuild | undefined {
    const g = this.guilds.get(guildId)
    if (g === undefined) return undefined
    return {
      id: g.id,
      name: g.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: g.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: GuildVerificationLevel.None,
      default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
      explicit_content_filter: GuildExplicitContentFilter.Disabled,
      roles: [...g.roles.values()],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: GuildMFALevel.None,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: GuildSystemChannelFlags.SuppressJoinNotifications,
      rules_channel_id: null,
      vanity_url_code: null,
      premium_tier: GuildPremiumTier.None,
      preferred_locale: Locale.EnglishUS,
      public_updates_channel_id: null,
      nsfw_level: GuildNSFWLevel.Default,
      premium_progress_bar_enabled: false,
      hub_type: null,
      safety_alerts_channel_id: null,
      incidents_data: null,
    }
  }

  guildChannels(guildId: Snowflake): ChannelRecord[] {
    const ids = this.guilds.get(guildId)?.channelIds ?? []
    return ids.flatMap((id) => {
      const channel = this.channels.get(id)
      return channel === undefined ? [] : [channel]
    })
  }

  guildMembers(guildId: Snowflake): APIGuildMember[] {
    const ids = [...(this.guilds.get(guildId)?.members.keys() ?? [])]
    return ids.flatMap((id) => {
      const member = this.member(guildId, id)
      return member === undefined ? [] : [member]
    })
  }

  /**
   * A private thread is seen by its members and by those who may manage threads in the guild (the
   * emulator has no channel overwrites: guild-wide role permissions decide).
   */
  seesPrivateThread(threadId: Snowflake, userId: Snowflake): boolean {
    if (this.threadMembers.get(threadId)?.has(userId) === true) return true
    const guildId = this.guildIdOf(threadId)
    if (guildId === undefined) return false
    const bits = this.permissions(guildId, userId)
    return (bits & (PermissionFlagsBits.ManageThreads | PermissionFlagsBits.Administrator)) !== 0n
  }

  threads(guildId?: Snowflake): APIThreadChannel[] {
    return [...this.channels.values()].flatMap((c) =>
      isThread(c) && (guildId === undefined || c.guild_id === guildId) ? [c] : [],
    )
  }

  dmChannel(userId: Snowflake): APIDMChannel | undefined {
    const user = this.user(userId)
    if (user === undefined) return undefined
    const existing = this.dmByUser.get(userId)
    const channel = existing === undefined ? undefined : this.channels.get(existing)
    if (channel?.type === ChannelType.DM) return channel
    const created: APIDMChannel = {
      id: this.nextId(),
      type: ChannelType.DM,
      recipients: [user],
      last_message_id: null,
      flags: NO_FLAGS,
      name: null,
    }
    this.channels.set(created.id, created)
    this.dmByUser.set(userId, created.id)
    return created
  }

  dmChannelIdOf(userId: Snowflake): Snowflake | undefined {
    return this.dmByUser.get(userId)
  }

  /** A message sent in an archived (not locked) thread reopens it, as on Discord. */
  reopenIfArchived(channelId: Snowflake): void {
    const channel = this.channels.get(channelId)
    if (channel === undefined || !isThread(channel)) return
    const meta = channel.thread_metadata
    if (meta?.archived === true && meta.locked !== true)
      this.channels.set(channelId, { ...channel, thread_metadata: { ...meta, archived: false } })
  }

  createThread(parent: GuildChannel, input: ThreadInput): APIThreadChannel {
    const thread: APIThreadChannel = {
      id: input.id ?? this.nextId(),
      type: input.type,
      ...(parent.guild_id === undefined ? {} : { guild_id: parent.guild_id }),
      parent_id: parent.id,
      owner_id: input.ownerId,
      name: input.name,
      last_message_id: null,
      rate_limit_per_user: 0,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      flags: NO_FLAGS,
      thread_metadata: {
        archived: false,
        auto_archive_duration: input.autoArchiveDuration,
        archive_timestamp: new Date().toISOString(),
        locked: false,
        ...(input.type === ChannelType.PrivateThread ? { invitable: input.invitable } : {}),
        create_timestamp: new Date().toISOString(),
      },
    }
    this.channels.set(thread.id, thread)
    this.threadMembers.set(thread.id, new Set([input.ownerId]))
    return thread
  }
}

export interface ThreadInput {
  readonly id?: Snowflake
  readonly type: ChannelType.PrivateThread | ChannelType.PublicThread | ChannelType.AnnouncementThread
  readonly name: string
  readonly ownerId: Snowflake
  readonly autoArchiveDuration: 60 | 1440 | 4320 | 10080
  readonly invitable: boolean
}

export const isThread = (channel: ChannelRecord): channel is APIThreadChannel =>
  channel.type === ChannelType.PrivateThread ||
  channel.type === ChannelType.PublicThread ||
  channel.type === ChannelType.AnnouncementThread

export const isTextLike = (channel: ChannelRecord): boolean => channel.type !== ChannelType.GuildCategory
