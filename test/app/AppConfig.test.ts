import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { BotConfigFromEnv, describeConfigError } from "../../src/shell/AppConfig.js"

const load = (env: Record<string, string>) =>
  Effect.runSync(
    Effect.either(
      Effect.withConfigProvider(BotConfigFromEnv, ConfigProvider.fromMap(new Map(Object.entries(env)))),
    ),
  )

const minimal = { BOT_DISCORD_TOKEN: "token" }

describe("bot configuration", () => {
  it("needs only the token; everything else has a documented default", () => {
    const config = load(minimal)
    if (Either.isLeft(config)) throw new Error(describeConfigError(config.left))
    expect(Redacted.value(config.right.discordToken)).toBe("token")
    expect(config.right.dispatch).toEqual({
      enabled: true,
      minSeverity: "medium",
      cooldownMs: 300_000,
      channels: { monitor: [], crisis: [], critical: [] },
      crtRoleIds: [],
    })
    expect(config.right.discordApiUrl).toEqual(Option.none())
    expect(config.right.metricsTimeZone).toBe("UTC")
  })

  it("reads Ash-Bot v5 JSON id lists", () => {
    const config = load({
      ...minimal,
      BOT_MONITORED_CHANNELS: '["111111111111111111", "222222222222222222"]',
      BOT_CRT_ROLE_IDS: '["333333333333333333"]',
      BOT_ALERT_CHANNEL_CRITICAL_IDS: '["444444444444444444"]',
    })
    if (Either.isLeft(config)) throw new Error(describeConfigError(config.left))
    expect(config.right.monitoredChannels).toEqual(["111111111111111111", "222222222222222222"])
    expect(config.right.dispatch.crtRoleIds).toEqual(["333333333333333333"])
    expect(config.right.dispatch.channels.critical).toEqual(["444444444444444444"])
  })

  it.each([
    ["BOT_ALERT_COOLDOWN", "abc", "whole number"],
    ["BOT_ALERT_MIN_SEVERITY", "HIGH", "BOT_ALERT_MIN_SEVERITY"],
    ["BOT_ALERTING_ENABLED", "", "true or false"],
    ["BOT_CRT_ROLE_IDS", "123", "JSON array"],
    ["BOT_MONITORED_CHANNELS", "[111111111111111111]", "as strings"],
    ["BOT_DISCORD_API_URL", "localhost:3000", "http"],
    ["BOT_METRICS_TIMEZONE", "Mars/Olympus", "IANA"],
  ])("%s=%j stops start-up naming the variable", (variable, value, expected) => {
    const config = load({ ...minimal, [variable]: value })
    expect(Either.isLeft(config)).toBe(true)
    if (Either.isRight(config)) return
    const message = describeConfigError(config.left)
    expect(message).toContain(variable)
    expect(message).toContain(expected)
  })

  it("a missing token is named", () => {
    const config = load({})
    expect(Either.isLeft(config) && describeConfigError(config.left)).toContain("BOT_DISCORD_TOKEN")
  })
})
