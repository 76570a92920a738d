import { readFileSync } from "node:fs"
import { Config, ConfigError, Either, Option, ParseResult, Redacted, Schema } from "effect"
import { type AshTemplates, DEFAULT_TEMPLATES, TemplatesFile, templatesFrom } from "../core/AshWelcome.js"
import { isValidTimeZone } from "../core/Calendar.js"
import type { DispatchPolicy } from "../core/Dispatch.js"
import type { LifecyclePolicy } from "../core/Lifecycle.js"
import { type ReportSchedule, WEEKDAYS } from "../core/ReportSchedule.js"
import { Severity } from "../core/Severity.js"
import type { Retention } from "./Keys.js"
import { HttpUrl } from "./NlpSettings.js"

const Snowflake = Schema.String.pipe(
  Schema.pattern(/^[0-9]{17,20}$/, { message: () => "a Discord id (17–20 digits)" }),
)

/**
 * Ash-Bot v5 lists: a JSON array of id strings, e.g. `["123…","456…"]`. Bare numbers are refused:
 * JSON numbers cannot hold a snowflake exactly, so the id would silently point elsewhere.
 */
const IdList = Schema.parseJson(Schema.Array(Snowflake))

/** Unlike Ash-Bot v5, an empty or unknown value is an error, never a silent "false". */
const Bool = Schema.transformOrFail(Schema.String, Schema.Boolean, {
  strict: true,
  decode: (s, _, ast) => {
    const v = s.trim().toLowerCase()
    if (["true", "1", "yes", "on"].includes(v)) return Either.right(true)
    if (["false", "0", "no", "off"].includes(v)) return Either.right(false)
    return Either.left(new ParseResult.Type(ast, s))
  },
  encode: (b) => Either.right(String(b)),
}).pipe(Schema.annotations({ message: () => "true or false" }))

const int = (min: number, max: number, what: string) =>
  Schema.NumberFromString.pipe(
    Schema.int(),
    Schema.between(min, max),
    Schema.annotations({ message: () => `${what}: a whole number from ${min} to ${max}` }),
  )

/** A decimal number in [min, max]: timings accept `0.05` (3 s) so that short timings can be tried out. */
const decimal = (min: number, max: number, what: string) =>
  Schema.NumberFromString.pipe(
    Schema.finite(),
    Schema.between(min, max),
    Schema.annotations({ message: () => `${what}: a number from ${min} to ${max} (decimals allowed)` }),
  )

/** A delay in minutes, or `off`, empty or `0` for none (as `BOT_ALERT_RENOTIFY_MINUTES=0` is off). */
const DelayMinutes = Schema.transformOrFail(Schema.String, Schema.NullOr(Schema.Number), {
  strict: true,
  decode: (s, _, ast) => {
    const v = s.trim().toLowerCase()
    if (v === "" || v === "off" || Number(v) === 0) return Either.right(null)
    const n = Number(v)
    return Number.isFinite(n) && n >= 0 && n <= 1_440
      ? Either.right(n)
      : Either.left(new ParseResult.Type(ast, s))
  },
  encode: (n) => Either.right(n === null ? "off" : String(n)),
}).pipe(Schema.annotations({ message: () => "minutes up to 1440 (decimals allowed), or off (0 is off)" }))

const TimeZone = Schema.String.pipe(
  Schema.filter(isValidTimeZone),
  Schema.annotations({ message: () => "an IANA timezone name, e.g. UTC or Europe/Berlin" }),
)

/** Per-channel multipliers of the crisis score: `{"<channel id>": 0.8, …}`, each in [0, 2]. */
const Sensitivity = Schema.parseJson(
  Schema.Record({ key: Snowflake, value: Schema.Number.pipe(Schema.between(0, 2)) }),
).pipe(
  Schema.annotations({
    message: () => 'a JSON object of channel id → multiplier in [0, 2], e.g. {"123…": 0.8}',
  }),
)

const opt = <A>(config: Config.Config<A>, fallback: A) => Config.withDefault(config, fallback)

const MINUTE = 60_000

/** The shortest key the export's pseudonyms accept. */
export const MIN_PSEUDONYM_KEY = 16

/** What each variable expects, for the start-up error message. */
const EXPECTS: Record<string, string> = {
  BOT_DISCORD_TOKEN: "the bot token (or BOT_DISCORD_TOKEN_FILE naming a file that holds it)",
  BOT_DISCORD_TOKEN_FILE: "the path of a readable file holding the bot token",
  BOT_DISCORD_API_URL: "an http:// or https:// URL of the REST API base, e.g. http://127.0.0.1:8080/api",
  BOT_DISCORD_GUILD_ID: "a Discord id (17–20 digits)",
  BOT_MONITORED_CHANNELS: 'a JSON array of channel ids as strings, e.g. ["123456789012345678"]',
  BOT_CHANNEL_SENSITIVITY:
    'a JSON object of channel id → multiplier in [0, 2], e.g. {"123456789012345678": 0.8}',
  BOT_ALERT_CHANNEL_MONITOR_IDS: 'a JSON array of channel ids as strings, e.g. ["123456789012345678"]',
  BOT_ALERT_CHANNEL_CRISIS_IDS: 'a JSON array of channel ids as strings, e.g. ["123456789012345678"]',
  BOT_ALERT_CHANNEL_CRITICAL_IDS: 'a JSON array of channel ids as strings, e.g. ["123456789012345678"]',
  BOT_CRT_ROLE_IDS: 'a JSON array of role ids as strings, e.g. ["123456789012345678"]',
  BOT_ALERT_COOLDOWN: "a whole number of seconds from 0 to 86400",
  BOT_ALERT_MIN_SEVERITY: "one of safe, low, medium, high, critical (lower case)",
  BOT_ALERTING_ENABLED: "true or false",
  BOT_ALERT_EXPIRY_HOURS: "hours from 0.01 to 720 (decimals allowed)",
  BOT_ALERT_RENOTIFY_MINUTES: "minutes from 0 (off) to 1440 (decimals allowed, 0.05 = 3 s)",
  BOT_AUTO_INITIATE_ENABLED: "true or false",
  BOT_AUTO_INITIATE_DELAY_MINUTES: "minutes up to 1440 (decimals allowed), or off (0 is off)",
  BOT_AUTO_INITIATE_DELAY_MINUTES_MEDIUM: "minutes up to 1440 (decimals allowed), or off (0 is off)",
  BOT_AUTO_INITIATE_DELAY_MINUTES_HIGH: "minutes up to 1440 (decimals allowed), or off (0 is off)",
  BOT_AUTO_INITIATE_DELAY_MINUTES_CRITICAL: "minutes up to 1440 (decimals allowed), or off (0 is off)",
  BOT_SUPPORT_CHANNEL_ID: "a Discord id (17–20 digits) of a text channel for private support threads",
  BOT_ASH_TEMPLATES_FILE: "the path of a readable JSON file of Ash's welcomes and crisis resources",
  BOT_USER_OPTOUT_TTL_DAYS: "a whole number of days from 1 to 3650",
  BOT_RELAY_SIGN_WITH_NAME: "true or false",
  BOT_WEEKLY_REPORT_ENABLED: "true or false",
  BOT_WEEKLY_REPORT_CHANNEL_IDS: 'a JSON array of channel ids as strings, e.g. ["123456789012345678"]',
  BOT_WEEKLY_REPORT_DAY: "a weekday in English, lower case: monday … sunday",
  BOT_WEEKLY_REPORT_HOUR: "a whole hour from 0 to 23",
  BOT_WEEKLY_REPORT_TIMEZONE: "an IANA timezone name, e.g. Europe/Berlin",
  BOT_TARGET_ACK_SECONDS: "a whole number of seconds from 1 to 86400",
  BOT_TARGET_RESPONSE_SECONDS: "a whole number of seconds from 1 to 86400",
  BOT_EXPORT_PSEUDONYM_KEY: `a secret of at least ${MIN_PSEUDONYM_KEY} characters (or BOT_EXPORT_PSEUDONYM_KEY_FILE)`,
  BOT_EXPORT_PSEUDONYM_KEY_FILE: `the path of a readable file holding a secret of at least ${MIN_PSEUDONYM_KEY} characters`,
  BOT_RELAY_UNSOLICITED_BELOW_THRESHOLD: "alert or notice",
  BOT_RESPONSE_METRICS_RETENTION_DAYS: "a whole number of days from 1 to 365",
  BOT_RESPONSE_METRICS_AGGREGATE_RETENTION_DAYS: "a whole number of days from 30 to 730",
  BOT_METRICS_TIMEZONE: "an IANA timezone name, e.g. UTC or Europe/Berlin",
  BOT_HISTORY_MAX_MESSAGES: "a whole number from 1 to 1000",
  BOT_HISTORY_TTL_DAYS: "a whole number of days from 1 to 90",
  BOT_NLP_DEGRADED_NOTICE_MINUTES: "a whole number of minutes from 1 to 1440",
  BOT_NLP_BUFFER_MAX: "a whole number of messages from 0 to 100000",
  BOT_NLP_BUFFER_MAX_AGE_MINUTES: "a whole number of minutes from 1 to 1440",
  BOT_TIMER_POLL_MS: "a whole number of milliseconds from 50 to 60000",
  BOT_REDIS_URL: "a redis://host:port[/db] or rediss:// URL",
  BOT_REDIS_PORT: "a port number from 1 to 65535",
  BOT_REDIS_DB: "a database number from 0 to 15",
  BOT_NLP_BASE_URL: "an http:// or https:// URL, e.g. http://ash-nlp:30880",
}

const secretFromFile = (
  variable: string,
  path: string,
): Either.Either<Redacted.Redacted, ConfigError.ConfigError> => {
  try {
    return Either.right(Redacted.make(readFileSync(path, "utf8").trim()))
  } catch {
    return Either.left(ConfigError.InvalidData([variable], `cannot read the secret file ${path}`))
  }
}

/** The Discord token from `BOT_DISCORD_TOKEN`, or from the file named by `BOT_DISCORD_TOKEN_FILE`. */
const DiscordToken: Config.Config<Redacted.Redacted> = Config.all({
  token: Config.redacted("BOT_DISCORD_TOKEN").pipe(Config.option),
  file: Config.string("BOT_DISCORD_TOKEN_FILE").pipe(Config.option),
}).pipe(
  Config.mapOrFail(({ token, file }) => {
    if (Option.isSome(token) && Redacted.value(token.value).trim() !== "") return Either.right(token.value)
    if (Option.isSome(file)) return secretFromFile("BOT_DISCORD_TOKEN_FILE", file.value)
    return Either.left(
      ConfigError.MissingData(
        ["BOT_DISCORD_TOKEN"],
        "BOT_DISCORD_TOKEN (or BOT_DISCORD_TOKEN_FILE) is required",
      ),
    )
  }),
)

/**
 * The key of the export's pseudonyms, from `BOT_EXPORT_PSEUDONYM_KEY` or the file named by
 * `BOT_EXPORT_PSEUDONYM_KEY_FILE`; none set: exports are refused. A short key is refused at
 * start-up, since a guessable key would let anyone with an export link pseudonyms back to ids.
 */
const PseudonymKey: Config.Config<Option.Option<Redacted.Redacted>> = Config.all({
  key: Config.redacted("BOT_EXPORT_PSEUDONYM_KEY").pipe(Config.option),
  file: Config.string("BOT_EXPORT_PSEUDONYM_KEY_FILE").pipe(Config.option),
}).pipe(
  Config.mapOrFail(({ key, file }) => {
    const given = Option.filter(key, (k) => Redacted.value(k).trim() !== "")
    const chosen = Option.isSome(given)
      ? Either.right({ variable: "BOT_EXPORT_PSEUDONYM_KEY", value: given.value })
      : Option.isSome(file)
        ? Either.map(secretFromFile("BOT_EXPORT_PSEUDONYM_KEY_FILE", file.value), (value) => ({
            variable: "BOT_EXPORT_PSEUDONYM_KEY_FILE",
            value,
          }))
        : Either.right(null)
    return Either.flatMap(chosen, (c) =>
      c === null
        ? Either.right(Option.none())
        : Redacted.value(c.value).trim().length < MIN_PSEUDONYM_KEY
          ? Either.left(
              ConfigError.InvalidData(
                [c.variable],
                `the key is shorter than ${MIN_PSEUDONYM_KEY} characters`,
              ),
            )
          : Either.right(Option.some(c.value)),
    )
  }),
)

/** Ash's welcomes from the file named by `BOT_ASH_TEMPLATES_FILE`, over the defaults; every problem named. */
const AshTemplatesConfig: Config.Config<AshTemplates> = Config.string("BOT_ASH_TEMPLATES_FILE").pipe(
  Config.option,
  Config.mapOrFail((path) => {
    if (Option.isNone(path)) return Either.right(DEFAULT_TEMPLATES)
    const invalid = (why: string) =>
      Either.left(ConfigError.InvalidData(["BOT_ASH_TEMPLATES_FILE"], `${path.value}: ${why}`))
    let text: string
    try {
      text = readFileSync(path.value, "utf8")
    } catch {
      return invalid("cannot read the file")
    }
    const decoded = Schema.decodeUnknownEither(Schema.parseJson(TemplatesFile), {
      onExcessProperty: "error",
    })(text)
    if (Either.isLeft(decoded))
      return invalid(
        ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
          .map((issue) => `${issue.path.join(".") || "(file)"}: ${issue.message}`)
          .join("; "),
      )
    const templates = templatesFrom(decoded.right)
    return Either.isLeft(templates) ? invalid(templates.left.join("; ")) : Either.right(templates.right)
  }),
)

const AUTO_DELAY = {
  medium: "BOT_AUTO_INITIATE_DELAY_MINUTES_MEDIUM",
  high: "BOT_AUTO_INITIATE_DELAY_MINUTES_HIGH",
  critical: "BOT_AUTO_INITIATE_DELAY_MINUTES_CRITICAL",
} as const

/**
 * How long after an alert Ash reaches out on its own, per severity (null: never). Each severity's
 * variable wins; Ash-Bot v5's single `BOT_AUTO_INITIATE_DELAY_MINUTES` stands in for HIGH and
 * CRITICAL; the defaults are off / 5 / 3 minutes. `BOT_AUTO_INITIATE_ENABLED=false` turns all off.
 */
const AutoInitiate: Config.Config<LifecyclePolicy["autoContactDelayMs"]> = Config.all({
  enabled: opt(Schema.Config("BOT_AUTO_INITIATE_ENABLED", Bool), true),
  v5: Schema.Config("BOT_AUTO_INITIATE_DELAY_MINUTES", DelayMinutes).pipe(Config.option),
  medium: Schema.Config(AUTO_DELAY.medium, DelayMinutes).pipe(Config.option),
  high: Schema.Config(AUTO_DELAY.high, DelayMinutes).pipe(Config.option),
  critical: Schema.Config(AUTO_DELAY.critical, DelayMinutes).pipe(Config.option),
}).pipe(
  Config.map(({ enabled, v5, medium, high, critical }) => {
    const ms = (minutes: number | null) =>
      !enabled || minutes === null ? null : Math.round(minutes * MINUTE)
    const orV5 = (own: Option.Option<number | null>, fallback: number) =>
      Option.getOrElse(
        Option.orElse(own, () => v5),
        () => fallback,
      )
    return {
      medium: ms(Option.getOrElse(medium, () => null)),
      high: ms(orV5(high, 5)),
      critical: ms(orV5(critical, 3)),
    }
  }),
)

export interface BotConfig {
  readonly discordToken: Redacted.Redacted
  /** REST base override, e.g. `http://127.0.0.1:PORT/api`; the gateway URL then comes from it. */
  readonly discordApiUrl: Option.Option<string>
  readonly guildId: Option.Option<string>
  readonly monitoredChannels: ReadonlyArray<string>
  readonly channelSensitivity: Readonly<Record<string, number>>
  readonly dispatch: DispatchPolicy
  readonly lifecycle: LifecyclePolicy
  readonly retention: Retention
  readonly metricsTimeZone: string
  readonly history: { readonly maxEntries: number; readonly ttlMs: number; readonly contextLimit: number }
  readonly nlpOutage: {
    /** At most one "crisis detection degraded" notice per window. */
    readonly noticeWindowMs: number
    readonly bufferMax: number
    readonly bufferMaxAgeMs: number
  }
  readonly timerPollMs: number
  /** Where Ash opens a private thread for a member whose DMs are closed. */
  readonly supportChannelId: Option.Option<string>
  readonly ashTemplates: AshTemplates
  /** How long a member's "I'd rather talk to a person" holds. */
  readonly optOutTtlMs: number
  readonly relay: {
    /** Sign relayed CRT messages with the writer's display name, else as the team only. */
    readonly signWithName: boolean
    /**
     * A DM from a member with no open conversation that the NLP reads below MEDIUM: a MEDIUM
     * alert (`alert`) or a notice in the monitor channel (`notice`). MEDIUM and above always alert.
     */
    readonly belowThreshold: "alert" | "notice"
  }
  readonly weeklyReport: {
    readonly enabled: boolean
    /** Where it is posted; empty: the monitor alert channels. */
    readonly channelIds: ReadonlyArray<string>
    readonly schedule: ReportSchedule
  }
  /** Response-time targets the reports measure against. */
  readonly targets: { readonly acknowledgeMs: number; readonly responseMs: number }
  /** The key of the export's pseudonyms; none: `/metrics export` is refused. */
  readonly exportPseudonymKey: Option.Option<Redacted.Redacted>
}
const DAY = 86_400_000

/** Every variable the bot reads (PRODUCT.md §8), decoded at start-up. See docs/configuration.md. */
export const BotConfigFromEnv: Config.Config<BotConfig> = Config.all({
  discordToken: DiscordToken,
  discordApiUrl: Schema.Config("BOT_DISCORD_API_URL", HttpUrl).pipe(Config.option),
  guildId: Schema.Config("BOT_DISCORD_GUILD_ID", Snowflake).pipe(Config.option),
  monitoredChannels: opt(Schema.Config("BOT_MONITORED_CHANNELS", IdList), []),
  channelSensitivity: opt(Schema.Config("BOT_CHANNEL_SENSITIVITY", Sensitivity), {}),
  monitor: opt(Schema.Config("BOT_ALERT_CHANNEL_MONITOR_IDS", IdList), []),
  crisis: opt(Schema.Config("BOT_ALERT_CHANNEL_CRISIS_IDS", IdList), []),
  critical: opt(Schema.Config("BOT_ALERT_CHANNEL_CRITICAL_IDS", IdList), []),
  crtRoleIds: opt(Schema.Config("BOT_CRT_ROLE_IDS", IdList), []),
  cooldownSeconds: opt(Schema.Config("BOT_ALERT_COOLDOWN", int(0, 86_400, "seconds")), 300),
  minSeverity: opt(Schema.Config("BOT_ALERT_MIN_SEVERITY", Severity), "medium"),
  enabled: opt(Schema.Config("BOT_ALERTING_ENABLED", Bool), true),
  expiryHours: opt(Schema.Config("BOT_ALERT_EXPIRY_HOURS", decimal(0.01, 24 * 30, "hours")), 24),
  renotifyMinutes: opt(
    Schema.Config("BOT_ALERT_RENOTIFY_MINUTES", decimal(0, 24 * 60, "minutes (0 = off)")),
    10,
  ),
  autoContactDelayMs: AutoInitiate,
  supportChannelId: Schema.Config("BOT_SUPPORT_CHANNEL_ID", Snowflake).pipe(Config.option),
  ashTemplates: AshTemplatesConfig,
  optOutTtlDays: opt(Schema.Config("BOT_USER_OPTOUT_TTL_DAYS", int(1, 3_650, "days")), 30),
  weeklyReportEnabled: opt(Schema.Config("BOT_WEEKLY_REPORT_ENABLED", Bool), true),
  weeklyReportChannels: opt(Schema.Config("BOT_WEEKLY_REPORT_CHANNEL_IDS", IdList), []),
  weeklyReportDay: opt(Schema.Config("BOT_WEEKLY_REPORT_DAY", Schema.Literal(...WEEKDAYS)), "monday"),
  weeklyReportHour: opt(Schema.Config("BOT_WEEKLY_REPORT_HOUR", int(0, 23, "hour of day")), 9),
  weeklyReportTimeZone: Schema.Config("BOT_WEEKLY_REPORT_TIMEZONE", TimeZone).pipe(Config.option),
  targetAckSeconds: opt(Schema.Config("BOT_TARGET_ACK_SECONDS", int(1, 86_400, "seconds")), 300),
  targetResponseSeconds: opt(Schema.Config("BOT_TARGET_RESPONSE_SECONDS", int(1, 86_400, "seconds")), 900),
  exportPseudonymKey: PseudonymKey,
  relaySignWithName: opt(Schema.Config("BOT_RELAY_SIGN_WITH_NAME", Bool), true),
  relayBelowThreshold: opt(
    Schema.Config("BOT_RELAY_UNSOLICITED_BELOW_THRESHOLD", Schema.Literal("alert", "notice")),
    "alert",
  ),
  alertRetentionDays: opt(Schema.Config("BOT_RESPONSE_METRICS_RETENTION_DAYS", int(1, 365, "days")), 90),
  aggregateRetentionDays: opt(
    Schema.Config("BOT_RESPONSE_METRICS_AGGREGATE_RETENTION_DAYS", int(30, 730, "days")),
    365,
  ),
  metricsTimeZone: opt(Schema.Config("BOT_METRICS_TIMEZONE", TimeZone), "UTC"),
  historyMax: opt(Schema.Config("BOT_HISTORY_MAX_MESSAGES", int(1, 1_000, "messages")), 100),
  historyTtlDays: opt(Schema.Config("BOT_HISTORY_TTL_DAYS", int(1, 90, "days")), 14),
  noticeMinutes: opt(Schema.Config("BOT_NLP_DEGRADED_NOTICE_MINUTES", int(1, 1_440, "minutes")), 15),
  bufferMax: opt(Schema.Config("BOT_NLP_BUFFER_MAX", int(0, 100_000, "messages")), 500),
  bufferMaxAgeMinutes: opt(Schema.Config("BOT_NLP_BUFFER_MAX_AGE_MINUTES", int(1, 1_440, "minutes")), 60),
  // Four polls a second: an alert timer fires well within a second of its due time.
  timerPollMs: opt(Schema.Config("BOT_TIMER_POLL_MS", int(50, 60_000, "milliseconds")), 250),
}).pipe(
  Config.map(
    (c): BotConfig => ({
      discordToken: c.discordToken,
      discordApiUrl: c.discordApiUrl,
      guildId: c.guildId,
      monitoredChannels: c.monitoredChannels,
      channelSensitivity: c.channelSensitivity,
      dispatch: {
        enabled: c.enabled,
        minSeverity: c.minSeverity,
        cooldownMs: c.cooldownSeconds * 1_000,
        channels: { monitor: c.monitor, crisis: c.crisis, critical: c.critical },
        crtRoleIds: c.crtRoleIds,
      },
      lifecycle: {
        autoContactDelayMs: c.autoContactDelayMs,
        renotifyAfterMs: c.renotifyMinutes === 0 ? null : Math.round(c.renotifyMinutes * MINUTE),
        expireAfterMs: Math.round(c.expiryHours * 3_600_000),
      },
      retention: { alertMs: c.alertRetentionDays * DAY, dailyMs: c.aggregateRetentionDays * DAY },
      metricsTimeZone: c.metricsTimeZone,
      history: { maxEntries: c.historyMax, ttlMs: c.historyTtlDays * DAY, contextLimit: 20 },
      nlpOutage: {
        noticeWindowMs: c.noticeMinutes * MINUTE,
        bufferMax: c.bufferMax,
        bufferMaxAgeMs: c.bufferMaxAgeMinutes * MINUTE,
      },
      timerPollMs: c.timerPollMs,
      supportChannelId: c.supportChannelId,
      ashTemplates: c.ashTemplates,
      optOutTtlMs: c.optOutTtlDays * DAY,
      relay: { signWithName: c.relaySignWithName, belowThreshold: c.relayBelowThreshold },
      weeklyReport: {
        enabled: c.weeklyReportEnabled,
        channelIds: c.weeklyReportChannels,
        schedule: {
          weekday: WEEKDAYS.indexOf(c.weeklyReportDay),
          hour: c.weeklyReportHour,
          timeZone: Option.getOrElse(c.weeklyReportTimeZone, () => c.metricsTimeZone),
        },
      },
      targets: { acknowledgeMs: c.targetAckSeconds * 1_000, responseMs: c.targetResponseSeconds * 1_000 },
      exportPseudonymKey: c.exportPseudonymKey,
    }),
  ),
)

/** A start-up message for a configuration error: each variable at fault and what it expects. */
export const describeConfigError = (error: ConfigError.ConfigError): string => {
  const lines: Array<string> = []
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        walk(e.left)
        walk(e.right)
        return
      case "InvalidData":
      case "MissingData":
      case "SourceUnavailable":
      case "Unsupported": {
        const variable = e.path.join(".") || "(configuration)"
        const expects = EXPECTS[variable]
        const detail = (e.message.split("\n").at(-1) ?? "").replace(/^[\s└├─│]+/, "")
        lines.push(
          expects === undefined
            ? `  ${variable}: ${detail}`
            : `  ${variable}: expected ${expects} (${detail})`,
        )
        return
      }
    }
  }
  walk(error)
  return `Invalid configuration; nothing was started.\n${[...new Set(lines)].join("\n")}\nSee .env.template and docs/configuration.md.`
}
