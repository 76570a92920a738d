import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
    ["BOT_AUTO_INITIATE_DELAY_MINUTES_HIGH", "soon", "or off"],
    ["BOT_AUTO_INITIATE_DELAY_MINUTES", "-1", "or off"],
    ["BOT_ALERT_RENOTIFY_MINUTES", "ten", "decimals allowed"],
    ["BOT_ALERT_EXPIRY_HOURS", "0", "decimals allowed"],
    ["BOT_SUPPORT_CHANNEL_ID", "support", "17–20 digits"],
    ["BOT_USER_OPTOUT_TTL_DAYS", "0.5", "whole number"],
    ["BOT_RELAY_SIGN_WITH_NAME", "perhaps", "true or false"],
    ["BOT_RELAY_UNSOLICITED_BELOW_THRESHOLD", "ignore", "alert or notice"],
    ["BOT_WEEKLY_REPORT_DAY", "Someday", "monday … sunday"],
    ["BOT_WEEKLY_REPORT_HOUR", "24", "0 to 23"],
    ["BOT_WEEKLY_REPORT_TIMEZONE", "Mars/Olympus", "IANA"],
    ["BOT_WEEKLY_REPORT_CHANNEL_IDS", "reports", "JSON array"],
    ["BOT_TARGET_ACK_SECONDS", "5m", "whole number"],
    ["BOT_ASH_TEMPLATES_FILE", "/nonexistent/templates.json", "cannot read the file"],
    ["BOT_EXPORT_PSEUDONYM_KEY", "short", "at least 16 characters"],
    ["BOT_EXPORT_PSEUDONYM_KEY", " ".repeat(20) + "x", "at least 16 characters"],
    ["BOT_EXPORT_PSEUDONYM_KEY_FILE", "/nonexistent/key", "cannot read the secret file"],
  ])("%s=%j stops start-up naming the variable", (variable, value, expected) => {
    const config = load({ ...minimal, [variable]: value })
    expect(Either.isLeft(config)).toBe(true)
    if (Either.isRight(config)) return
    const message = describeConfigError(config.left)
    expect(message).toContain(variable)
    expect(message).toContain(expected)
  })

  it("export pseudonym key: none by default (exports refused), from the variable or from a file", () => {
    const keyOf = (env: Record<string, string>) => {
      const config = load({ ...minimal, ...env })
      if (Either.isLeft(config)) throw new Error(describeConfigError(config.left))
      return Option.map(config.right.exportPseudonymKey, Redacted.value)
    }
    expect(keyOf({})).toEqual(Option.none())
    // An empty value (the template's line uncommented) is no key, as for the token.
    expect(keyOf({ BOT_EXPORT_PSEUDONYM_KEY: "" })).toEqual(Option.none())
    expect(keyOf({ BOT_EXPORT_PSEUDONYM_KEY: "0123456789abcdef" })).toEqual(Option.some("0123456789abcdef"))
    const dir = mkdtempSync(join(tmpdir(), "ash-key-"))
    writeFileSync(join(dir, "key"), "from-a-file-0123456789\n")
    expect(keyOf({ BOT_EXPORT_PSEUDONYM_KEY_FILE: join(dir, "key") })).toEqual(
      Option.some("from-a-file-0123456789"),
    )
    rmSync(dir, { recursive: true, force: true })
  })

  it("auto-initiate: off / 5 / 3 minutes by default; decimals; v5's single delay for HIGH and CRITICAL; off", () => {
    const delays = (env: Record<string, string>) => {
      const config = load({ ...minimal, ...env })
      if (Either.isLeft(config)) throw new Error(describeConfigError(config.left))
      return config.right.lifecycle.autoContactDelayMs
    }
    expect(delays({})).toEqual({ medium: null, high: 300_000, critical: 180_000 })
    expect(delays({ BOT_AUTO_INITIATE_DELAY_MINUTES: "2" })).toEqual({
      medium: null,
      high: 120_000,
      critical: 120_000,
    })
    expect(
      delays({
        BOT_AUTO_INITIATE_DELAY_MINUTES: "2",
        BOT_AUTO_INITIATE_DELAY_MINUTES_CRITICAL: "0.05",
        BOT_AUTO_INITIATE_DELAY_MINUTES_MEDIUM: "10",
      }),
    ).toEqual({ medium: 600_000, high: 120_000, critical: 3_000 })
    expect(
      delays({
        BOT_AUTO_INITIATE_DELAY_MINUTES_MEDIUM: "0",
        BOT_AUTO_INITIATE_DELAY_MINUTES_HIGH: "off",
        BOT_AUTO_INITIATE_DELAY_MINUTES_CRITICAL: "",
      }),
    ).toEqual({
      medium: null,
      high: null,
      critical: null,
    })
    expect(
      delays({ BOT_AUTO_INITIATE_ENABLED: "false", BOT_AUTO_INITIATE_DELAY_MINUTES_MEDIUM: "1" }),
    ).toEqual({
      medium: null,
      high: null,
      critical: null,
    })
  })

  it("re-notify and expiry take decimals; the timer poll defaults to four times a second", () => {
    const config = load({ ...minimal, BOT_ALERT_RENOTIFY_MINUTES: "0.05", BOT_ALERT_EXPIRY_HOURS: "0.5" })
    if (Either.isLeft(config)) throw new Error(describeConfigError(config.left))
    expect(config.right.lifecycle.renotifyAfterMs).toBe(3_000)
    expect(config.right.lifecycle.expireAfterMs).toBe(1_800_000)
    expect(config.right.timerPollMs).toBe(250)
    expect(config.right.optOutTtlMs).toBe(30 * 86_400_000)
  })

  describe("Ash's templates file", () => {
    const withFile = (content: string) => {
      const dir = mkdtempSync(join(tmpdir(), "ash-templates-"))
      const path = join(dir, "templates.json")
      writeFileSync(path, content)
      return load({ ...minimal, BOT_ASH_TEMPLATES_FILE: path })
    }
    const welcomes = (text: string) => ({ medium: text, high: text, critical: text })

    it("overrides the welcomes and the resources it names, keeping the defaults of the rest", () => {
      const config = withFile(
        JSON.stringify({
          welcome: { auto: welcomes("Hallo {member}, hier ist Ash, ein automatischer Bot.") },
          resources: [
            { name: "Telefonseelsorge", contact: "0800 111 0 111", url: "https://www.telefonseelsorge.de" },
          ],
        }),
      )
      if (Either.isLeft(config)) throw new Error(describeConfigError(config.left))
      const t = config.right.ashTemplates
      expect(t.welcome.auto.high).toBe("Hallo {member}, hier ist Ash, ein automatischer Bot.")
      expect(t.welcome.manual.high).toContain("Crisis Response Team")
      expect(t.resources.map((r) => r.name)).toEqual(["Telefonseelsorge"])
    })

    it.each([
      [
        "an unknown placeholder",
        JSON.stringify({ welcome: { manual: welcomes("Hi {name}") } }),
        "unknown placeholder {name}",
      ],
      ["a missing severity", JSON.stringify({ welcome: { auto: { medium: "a", high: "b" } } }), "critical"],
      [
        "a role ping",
        JSON.stringify({ welcome: { manual: welcomes("Hi {member} <@&123456789012345678>") } }),
        "role mentions",
      ],
      ["@everyone", JSON.stringify({ welcome: { manual: welcomes("@everyone look") } }), "@everyone"],
      ["no crisis lines", JSON.stringify({ resources: [] }), "resources"],
      ["an unknown field", JSON.stringify({ welcomes: {} }), "welcomes"],
      ["no JSON at all", "welcome: hi", "BOT_ASH_TEMPLATES_FILE"],
    ])("%s stops start-up naming the file and the problem", (_, content, expected) => {
      const config = withFile(content)
      expect(Either.isLeft(config)).toBe(true)
      if (Either.isRight(config)) return
      const message = describeConfigError(config.left)
      expect(message).toContain("BOT_ASH_TEMPLATES_FILE")
      expect(message).toContain(expected)
    })
  })

  it("a missing token is named", () => {
    const config = load({})
    expect(Either.isLeft(config) && describeConfigError(config.left)).toContain("BOT_DISCORD_TOKEN")
  })
})
