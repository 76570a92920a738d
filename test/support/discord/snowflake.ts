import type { Snowflake } from "discord-api-types/v10"

/** Discord's epoch (2015-01-01T00:00:00Z); discord.js derives createdTimestamp from it. */
export const DISCORD_EPOCH = 1_420_070_400_000n

/**
 * Realistic 17–19 digit snowflakes: discord.js's rate-limit bucket regex is `\d{17,19}`,
 * so short fake ids would silently change how requests are bucketed.
 */
export const makeSnowflakes = (): (() => Snowflake) => {
  let increment = 0n
  let last = 0n
  return () => {
    const now = BigInt(Date.now()) - DISCORD_EPOCH
    last = now > last ? now : last
    increment = (increment + 1n) & 0xfffn
    if (increment === 0n) last += 1n
    return ((last << 22n) | (1n << 17n) | increment).toString()
  }
}

/** Milliseconds since the Unix epoch encoded in a snowflake. */
export const snowflakeTime = (id: Snowflake): number => Number((BigInt(id) >> 22n) + DISCORD_EPOCH)

/** A random bearer-style secret (tokens, interaction tokens, session ids). */
export const randomSecret = (bytes = 24): string => {
  const raw = new Uint8Array(bytes)
  crypto.getRandomValues(raw)
  return Buffer.from(raw).toString("base64url")
}
