import type { APIInteractionGuildMember, Snowflake } from "discord-api-types/v10"
import type { ChannelRecord, World } from "./World.js"

/** Lookups for the test-control API: a test naming something that does not exist is a bug in the test. */

export const guildOfChannel = (world: World, channelId: Snowflake): Snowflake => {
  const guildId = world.guildIdOf(channelId)
  if (guildId === undefined) throw new Error(`emulator: channel ${channelId} is not a guild channel`)
  return guildId
}

export const memberOrThrow = (
  world: World,
  guildId: Snowflake,
  userId: Snowflake,
): APIInteractionGuildMember => {
  const member = world.interactionMember(guildId, userId)
  if (member === undefined) throw new Error(`emulator: ${userId} is not a member of guild ${guildId}`)
  return member
}

export const channelOrThrow = (world: World, channelId: Snowflake): ChannelRecord => {
  const channel = world.channels.get(channelId)
  if (channel === undefined) throw new Error(`emulator: no channel ${channelId}`)
  return channel
}
