/**
 * The bot's features on the in-process twins of every port, for app-level tests: a test
 * configuration, a scripted NLP, the Discord twin, the Memory stores, a log book, and helpers that
 * wait (in real time, never on the TestClock) for what the twin or the stores recorded.
 */

import {
  Cause,
  Chunk,
  Clock,
  ConfigProvider,
  Context,
  Effect,
  Either,
  Layer,
  Logger,
  Option,
  Ref,
  TestClock,
} from "effect"
import { AlertDispatcher } from "../../src/app/alerts/AlertDispatcher.js"
import { AlertLifecycle } from "../../src/app/alerts/AlertLifecycle.js"
import { Buttons } from "../../src/app/buttons/Buttons.js"
import { Commands } from "../../src/app/commands/Commands.js"
import { AshContact } from "../../src/app/contact/AshContact.js"
import { analyse } from "../../src/app/intake/Analyse.js"
import { toIntakeMessage } from "../../src/app/intake/Intake.js"
import { NlpOutage } from "../../src/app/intake/NlpOutage.js"
import { Features } from "../../src/app/main.js"
import { RelayThreads } from "../../src/app/relay/RelayThreads.js"
import { Responses } from "../../src/app/responses/Responses.js"
import { BotSettings } from "../../src/app/runtime/BotSettings.js"
import { Timers } from "../../src/app/timers/Timers.js"
import { calendarOf } from "../../src/core/Calendar.js"
import type { NlpAnalysis, NlpRequest } from "../../src/core/Nlp.js"
import type { Severity } from "../../src/core/Severity.js"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { type BotConfig, BotConfigFromEnv, describeConfigError } from "../../src/shell/AppConfig.js"
import {
  Discord,
  DiscordMemory,
  type IncomingMessage,
  type InteractionRef,
} from "../../src/shell/discord/Discord.js"
import {
  type InteractionAnswer,
  MEMORY_GUILD_ID,
  type StoredMessage,
} from "../../src/shell/discord/DiscordMemory.js"
import { IntakeCounters, type IntakeCounts } from "../../src/shell/IntakeCounters.js"
import { NlpClient, type NlpError, NlpUnavailable } from "../../src/shell/NlpClient.js"
import { ReportChart } from "../../src/shell/ReportChartImage.js"

// ---------------------------------------------------------------------------------------------
// The community and its configuration
// ---------------------------------------------------------------------------------------------

export const GUILD = MEMORY_GUILD_ID

import { CHANNEL, ROLE } from "./community.js"
import { memoryStores, type Stores } from "./stores.js"

export { CHANNEL, ROLE }
export const USER = {
  river: "940000000000000001",
  sky: "940000000000000002",
  quinn: "940000000000000003",
  jade: "940000000000000004",
  rowan: "940000000000000005",
  crt1: "950000000000000001",
  crt2: "950000000000000002",
  bystander: "960000000000000001",
  otherBot: "970000000000000001",
} as const

/** 2025-10-09T08:53:20Z: every test starts its clock here. */
export const T0 = 1_760_000_000_000
export const MINUTE = 60_000

/** Alert timers are polled once a minute: a long TestClock.adjust then wakes the poll few times. */
const TIMER_POLL_MS = 60_000

/** The environment of the test community; `overrides` are further BOT_* variables. */
export const testEnv = (overrides: Readonly<Record<string, string>> = {}): Record<string, string> => ({
  BOT_DISCORD_TOKEN: "test-token",
  BOT_DISCORD_GUILD_ID: GUILD,
  BOT_MONITORED_CHANNELS: JSON.stringify([CHANNEL.general, CHANNEL.vent]),
  BOT_ALERT_CHANNEL_MONITOR_IDS: JSON.stringify([CHANNEL.monitor]),
  BOT_ALERT_CHANNEL_CRISIS_IDS: JSON.stringify([CHANNEL.crisis]),
  BOT_ALERT_CHANNEL_CRITICAL_IDS: JSON.stringify([CHANNEL.critical]),
  BOT_CRT_ROLE_IDS: JSON.stringify([ROLE.crt]),
  BOT_SUPPORT_CHANNEL_ID: CHANNEL.support,
  BOT_TIMER_POLL_MS: String(TIMER_POLL_MS),
  // The weekly report has tests of its own; elsewhere it would add a post to the monitor channel.
  BOT_WEEKLY_REPORT_ENABLED: "false",
  ...overrides,
})

/** The bot's configuration decoded from `testEnv(overrides)`, exactly as at start-up. */
export const testConfig = (overrides: Readonly<Record<string, string>> = {}): BotConfig => {
  const provider = ConfigProvider.fromMap(new Map(Object.entries(testEnv(overrides))))
  const decoded = Effect.runSync(Effect.either(Effect.withConfigProvider(BotConfigFromEnv, provider)))
  if (Either.isLeft(decoded)) throw new Error(describeConfigError(decoded.left))
  return decoded.right
}

// ---------------------------------------------------------------------------------------------
// The NLP twin
// ---------------------------------------------------------------------------------------------

const SCORES: Readonly<Record<Severity, number>> = {
  safe: 0.05,
  low: 0.3,
  medium: 0.55,
  high: 0.8,
  critical: 0.95,
}

/** What the NLP says about a message it rates `severity`. */
export const analysisOf = (severity: Severity, overrides: Partial<NlpAnalysis> = {}): NlpAnalysis => ({
  severity,
  crisisScore: SCORES[severity],
  confidence: 0.9,
  recommendedAction: "reach_out",
  keyFactors: ["hopelessness"],
  requestId: "req_0123456789ab",
  processingTimeMs: 42,
  isDegraded: false,
  ...overrides,
})

type Reply = (request: NlpRequest) => Effect.Effect<NlpAnalysis, NlpError>

export interface NlpScriptService {
  /** Every analysis the bot asked for, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<NlpRequest>>
  /** The NLP's answer for a message with exactly this text. */
  readonly script: (text: string, reply: Reply) => Effect.Effect<void>
  /** While down, every analysis is unavailable and the health check says not ready. */
  readonly setDown: (down: boolean) => Effect.Effect<void>
  /** While set, the health check says ready even though analyses are unavailable. */
  readonly setHealthyWhileDown: (healthy: boolean) => Effect.Effect<void>
  /** While set, the health check fails even though analyses work. */
  readonly setHealthFailing: (failing: boolean) => Effect.Effect<void>
}

/** The test's hand on the NLP twin. */
export class NlpScript extends Context.Tag("test/NlpScript")<NlpScript, NlpScriptService>() {}

const RATED = /rated (safe|low|medium|high|critical)\b/

const isSeverity = (s: string | undefined): s is Severity =>
  s === "safe" || s === "low" || s === "medium" || s === "high" || s === "critical"

const unavailable = () =>
  new NlpUnavailable({ reason: "connection", attempts: 3, status: null, detail: "connection refused" })

/**
 * The NLP twin: a message is rated by the `rated <severity>` it contains (SAFE otherwise), or
 * answered as a test scripted its text (down or not). `concurrency` is how many messages the intake analyses at once: with 1,
 * messages are worked off strictly one after the other, so a later message proves the earlier
 * ones were handled.
 */
export const scriptedNlp = (concurrency = 1): Layer.Layer<NlpClient | NlpScript> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const requests = yield* Ref.make<ReadonlyArray<NlpRequest>>([])
      const scripted = yield* Ref.make(new Map<string, Reply>())
      const down = yield* Ref.make(false)
      const healthyWhileDown = yield* Ref.make(false)
      const healthFailing = yield* Ref.make(false)
      const analyze: Reply = (request) =>
        Effect.gen(function* () {
          yield* Ref.update(requests, (r) => [...r, request])
          const reply = (yield* Ref.get(scripted)).get(request.message)
          if (reply !== undefined) return yield* reply(request)
          if (yield* Ref.get(down)) return yield* unavailable()
          const rated = RATED.exec(request.message)?.[1]
          return analysisOf(isSeverity(rated) ? rated : "safe")
        })
      const client: NlpClient["Type"] = {
        analyze,
        health: () =>
          Effect.map(
            Effect.all([Ref.get(down), Ref.get(healthyWhileDown), Ref.get(healthFailing)]),
            ([isDown, healthy, failing]) => !failing && (!isDown || healthy),
          ),
        state: Effect.map(Ref.get(down), (isDown) => (isDown ? "open" : "closed")),
        concurrency,
      }
      const script: NlpScriptService = {
        requests: Ref.get(requests),
        script: (text, reply) => Ref.update(scripted, (m) => new Map(m).set(text, reply)),
        setDown: (value) => Ref.set(down, value),
        setHealthyWhileDown: (value) => Ref.set(healthyWhileDown, value),
        setHealthFailing: (value) => Ref.set(healthFailing, value),
      }
      return Context.make(NlpClient, client).pipe(Context.add(NlpScript, script))
    }),
  )

// ---------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------

export interface LogLine {
  readonly level: string
  readonly text: string
}

export interface LogBookService {
  readonly lines: Effect.Effect<ReadonlyArray<LogLine>>
}

/** What the bot logged, as an operator reading its log would see it. */
export class LogBook extends Context.Tag("test/LogBook")<LogBook, LogBookService>() {}

const textOf = (message: unknown): string =>
  Array.isArray(message) ? message.map((m) => String(m)).join(" ") : String(message)

/**
 * A log book that replaces the console logger. It must be provided outside the features so the
 * fibers they fork inherit it.
 */
export const logBook: Layer.Layer<LogBook> = Layer.unwrapEffect(
  Effect.sync(() => {
    const lines: Array<LogLine> = []
    const logger = Logger.make<unknown, void>(({ logLevel, message, cause }) => {
      const detail = Cause.isEmpty(cause) ? "" : `\n${Cause.pretty(cause)}`
      lines.push({ level: logLevel.label, text: `${textOf(message)}${detail}` })
    })
    return Layer.merge(
      Logger.replace(Logger.defaultLogger, logger),
      Layer.succeed(LogBook, { lines: Effect.sync(() => [...lines]) }),
    )
  }),
)

// ---------------------------------------------------------------------------------------------
// The twins and the features over them
// ---------------------------------------------------------------------------------------------

export type { Stores }

/** Every store in process memory. */
export const storeTwins = memoryStores

export type Twins =
  | Stores
  | Discord
  | DiscordMemory
  | NlpClient
  | NlpScript
  | BotSettings
  | LogBook
  | ReportChart

export interface TwinOptions {
  /** BOT_* variables over the test environment. */
  readonly env?: Readonly<Record<string, string>>
  /** How many messages the intake analyses at once (see `scriptedNlp`). */
  readonly nlpConcurrency?: number
}

/**
 * Run `program` on fresh twins of every port, the clock set to `T0` first. The features are
 * provided inside `program` (`Effect.provide(Features)`), so that a test can stop and start them
 * over the same twins, as a restart would.
 */
export const onTwins = <A, E>(
  program: Effect.Effect<A, E, Twins>,
  options: TwinOptions = {},
): Effect.Effect<A, E> =>
  Effect.gen(function* () {
    yield* TestClock.setTime(T0)
    // As the product asks of the community: the CRT role may manage threads in the support channel.
    const community = Effect.flatMap(DiscordMemory, (d) => d.grantManageThreads(ROLE.crt))
    return yield* Effect.zipRight(community, program).pipe(
      Effect.provide(
        Layer.mergeAll(
          storeTwins(),
          Discord.Memory,
          scriptedNlp(options.nlpConcurrency),
          BotSettings.layer(testConfig(options.env)),
          ReportChart.Memory,
        ),
      ),
      Effect.provide(logBook),
    )
  })

/** Every feature of the bot (`Features` of main.ts) running over fresh twins for `program`. */
export const withBot = <A, E>(
  program: Effect.Effect<A, E, Twins | AlertLifecycle | NlpOutage | AshContact>,
  options: TwinOptions = {},
): Effect.Effect<A, E> => onTwins(Effect.provide(program, Features), options)

/**
 * The alert features without the intake: lifecycle interpreter, buttons and timers. The intake
 * polls for NLP recovery every 5 s, which a TestClock.adjust over hours would wake thousands of
 * times; timer tests post their alerts through the intake's `analyse` (`postAlert`) instead.
 */
export const AlertFeatures = Layer.mergeAll(Buttons.Live, Commands.Live, Responses.Live, Timers.Live).pipe(
  Layer.provideMerge(Layer.mergeAll(AlertDispatcher.Live, NlpOutage.Live)),
  Layer.provideMerge(AlertLifecycle.Live),
  Layer.provideMerge(Layer.mergeAll(AshContact.Live, RelayThreads.Live)),
)

// ---------------------------------------------------------------------------------------------
// Playing the members and the CRT
// ---------------------------------------------------------------------------------------------

let said = 0

export interface SayOptions {
  readonly from: string
  readonly channel?: string
  /** The message text; by default one that names its rating. */
  readonly text?: string
  /** What the NLP says beyond the severity. */
  readonly analysis?: Partial<NlpAnalysis>
}

/** A member writes `content` in `channel`; the NLP answers as it was scripted for that text. */
export const write = (from: string, content: string, channel: string = CHANNEL.general) =>
  Effect.flatMap(DiscordMemory, (discord) =>
    discord.memberSays({
      channelId: channel,
      content,
      author: {
        id: from,
        bot: false,
        displayName: `Member ${from.slice(-2)}`,
        avatarUrl: undefined,
        roleIds: [],
      },
    }),
  )

/** A member writes a message the NLP rates `severity`. */
export const say = (severity: Severity, options: SayOptions) =>
  Effect.gen(function* () {
    const nlp = yield* NlpScript
    said += 1
    const content = options.text ?? `message ${said} rated ${severity}`
    if (options.text !== undefined || options.analysis !== undefined) {
      const analysis = analysisOf(severity, options.analysis)
      yield* nlp.script(content, () => Effect.succeed(analysis))
    }
    return yield* write(options.from, content, options.channel)
  })

/**
 * A member's message that the intake's own `analyse` takes through the NLP and the dispatcher,
 * for tests that run the alert features without the intake's stream (see `AlertFeatures`).
 */
export const postAlert = (severity: Severity, options: SayOptions) =>
  Effect.gen(function* () {
    const message = yield* say(severity, options)
    yield* analyse(toIntakeMessage(message))
    return yield* alertFor(message)
  })

export const CRT = [ROLE.crt] as const

/** Someone presses the button labelled `label` on `message`; a CRT member by default. */
export const press = (
  message: StoredMessage,
  label: string,
  by: string,
  roleIds: ReadonlyArray<string> = CRT,
) =>
  Effect.flatMap(DiscordMemory, (discord) =>
    discord.press({
      messageId: message.messageId,
      customId: customIdOf(message, label),
      userId: by,
      roleIds,
    }),
  )

// ---------------------------------------------------------------------------------------------
// Reading what the bot did
// ---------------------------------------------------------------------------------------------

/** The labels of a message's buttons, left to right. */
export const buttonsOf = (m: StoredMessage): ReadonlyArray<string> =>
  m.components.flatMap((row) => row.components.map((b) => b.label))

export const customIdOf = (m: StoredMessage, label: string): string => {
  const found = m.components.flatMap((row) => row.components).find((b) => b.label === label)
  if (found === undefined) throw new Error(`no ${label} button on ${m.messageId}: ${buttonsOf(m).join(", ")}`)
  return found.customId
}

/** The alert's status lines, as the CRT reads them on the embed. */
export const statusOf = (m: StoredMessage): string =>
  m.embeds[0]?.fields.find((f) => f.name === "📌 Status")?.value ?? ""

const isAlertAbout = (m: StoredMessage, sourceId: string): boolean =>
  m.via._tag === "post" &&
  (m.embeds[0]?.fields.some((f) => f.name === "🔗 Original Message" && f.value.includes(`/${sourceId})`)) ??
    false)

/** Every message the bot posted (not replies or DMs), in order. */
export const posts = Effect.map(
  Effect.flatMap(DiscordMemory, (d) => d.messages),
  (all) => all.filter((m) => m.via._tag === "post"),
)

/** The bot's DMs to `userId`, in order. */
export const dmsTo = (userId: string) =>
  Effect.map(
    Effect.flatMap(DiscordMemory, (d) => d.messages),
    (all) => all.filter((m) => m.via._tag === "dm" && m.via.userId === userId),
  )

/** Everything the bot wrote in a channel (a thread is one), posts and replies, in order. */
export const botMessagesIn = (channelId: string) =>
  Effect.map(
    Effect.flatMap(DiscordMemory, (d) => d.messages),
    (all) => all.filter((m) => m.channelId === channelId),
  )

/** The alerts posted about a member's message, in order. */
export const alertsAbout = (source: IncomingMessage) =>
  Effect.map(posts, (all) => all.filter((m) => isAlertAbout(m, source.messageId)))

/** The bot's replies to one of its messages, in order. */
export const repliesTo = (messageId: string) =>
  Effect.map(
    Effect.flatMap(DiscordMemory, (d) => d.messages),
    (all) => all.filter((m) => m.via._tag === "reply" && m.via.to.messageId === messageId),
  )

/** The bot's notices for the CRT containing `text`. */
export const noticesContaining = (text: string) =>
  Effect.map(posts, (all) => all.filter((m) => m.embeds.length === 0 && m.content.includes(text)))

/** A message as it stands now. */
export const current = (m: StoredMessage) =>
  Effect.flatMap(
    Effect.flatMap(DiscordMemory, (d) => d.message(m.messageId)),
    Option.match({
      onNone: () => Effect.dieMessage(`message ${m.messageId} is gone`),
      onSome: Effect.succeed,
    }),
  )

export const answersTo = (interaction: InteractionRef) =>
  Effect.flatMap(DiscordMemory, (d) => d.answers(interaction.id))

/** Today's intake counters (messages that never became an alert, and why). */
export const intakeCounts: Effect.Effect<IntakeCounts, never, IntakeCounters | BotSettings> = Effect.gen(
  function* () {
    const settings = yield* BotSettings
    const counters = yield* IntakeCounters
    const { day } = calendarOf(yield* Clock.currentTimeMillis, settings.metricsTimeZone)
    return yield* counters.read(day).pipe(Effect.orDie)
  },
)

/** What the bot logged at `level` so far. */
export const logged = (level: "INFO" | "WARN" | "ERROR") =>
  Effect.map(
    Effect.flatMap(LogBook, (b) => b.lines),
    (lines) => lines.filter((l) => l.level === level).map((l) => l.text),
  )

// ---------------------------------------------------------------------------------------------
// Waiting, in real time
// ---------------------------------------------------------------------------------------------

/** One turn of the real event loop: fibers the features forked get to run. */
const turn = Effect.async<void>((resume) => {
  const timer = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(timer))
})

const WAIT_MS = 2_000

/**
 * Wait until `probe` finds something, giving the features real event-loop turns in between (the
 * TestClock does not move). Dies naming `what` after 2 s of real time.
 */
export const eventually = <A, E, R>(
  what: string,
  probe: Effect.Effect<Option.Option<A>, E, R>,
): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    const deadline = Date.now() + WAIT_MS
    for (;;) {
      const found = yield* probe
      if (Option.isSome(found)) return found.value
      if (Date.now() > deadline) return yield* Effect.dieMessage(`timed out waiting for ${what}`)
      yield* turn
    }
  })

/** Wait until `probe` holds. */
export const until = <E, R>(what: string, probe: Effect.Effect<boolean, E, R>) =>
  eventually(
    what,
    Effect.map(probe, (ok) => (ok ? Option.some(true) : Option.none())),
  ).pipe(Effect.asVoid)

/**
 * A few real event-loop turns. Used only after a positive sign that the work in question has
 * happened (a later message handled, an answer given), as a margin before asserting that
 * something else did not.
 */
export const settle = Effect.repeatN(turn, 20)

/** The alert's record, as the store holds it. */
export const recordOf = (alert: StoredMessage) =>
  Effect.flatMap(AlertStore, (store) => store.getByMessageId(alert.messageId)).pipe(
    Effect.orDie,
    Effect.flatMap(
      Option.match({
        onNone: () => Effect.dieMessage(`alert message ${alert.messageId} is not on record`),
        onSome: Effect.succeed,
      }),
    ),
  )

/** The bot's first reply to `message`, once it is there. */
export const firstReplyTo = (message: StoredMessage) =>
  eventually(
    `a reply to message ${message.messageId}`,
    Effect.map(repliesTo(message.messageId), (replies) => Option.fromNullable(replies[0])),
  )

/** The alert posted about `source`, once it is there. */
export const alertFor = (source: IncomingMessage) =>
  eventually(
    `the alert about message ${source.messageId}`,
    Effect.map(alertsAbout(source), (found) => Option.fromNullable(found[0])),
  )

/** `message` once it satisfies `test`. */
export const editedTo = (message: StoredMessage, what: string, test: (m: StoredMessage) => boolean) =>
  eventually(
    `message ${message.messageId} to show ${what}`,
    Effect.map(current(message), (m) => (test(m) ? Option.some(m) : Option.none())),
  )

/** The interaction's answers once one satisfies `test`. */
export const answered = (
  interaction: InteractionRef,
  what: string,
  test: (a: InteractionAnswer) => boolean,
) =>
  eventually(
    `interaction ${interaction.id} to be answered with ${what}`,
    Effect.map(answersTo(interaction), (list) => (list.some(test) ? Option.some(list) : Option.none())),
  )

/** What a press came to after it was deferred: the edited alert, or a follow-up saying why not. */
export const outcomeOf = (interaction: InteractionRef) =>
  eventually(
    `interaction ${interaction.id} to be edited or followed up`,
    Effect.map(answersTo(interaction), (list) =>
      Option.fromNullable(list.find((a) => a._tag === "editOriginal" || a._tag === "followUp")),
    ),
  )

/** The text of an interaction's ephemeral answer (a reply, or a follow-up after deferring). */
export const ephemeralText = (interaction: InteractionRef) =>
  Effect.map(
    answered(interaction, "an ephemeral message", (a) => a._tag === "reply" || a._tag === "followUp"),
    (list) =>
      list.flatMap((a) => (a._tag === "reply" || a._tag === "followUp" ? [a.content] : [])).join("\n"),
  )

/** Whether some fiber sleeps on the TestClock until `ms` from now (a 429's wait, a retry's back-off). */
export const sleepsFor = (ms: number) =>
  Effect.zipWith(TestClock.sleeps(), Clock.currentTimeMillis, (sleeps, now) =>
    Chunk.some(sleeps, (at) => at === now + ms),
  )

/** Wait until some fiber sleeps for `ms`, so that a following TestClock.adjust is sure to wake it. */
export const sleepingFor = (ms: number) => until(`a sleep of ${ms} ms`, sleepsFor(ms))

/** A CRT member acknowledges the alert, and the press has brought it up to date. */
export const acknowledge = (alert: StoredMessage, by: string) =>
  Effect.flatMap(press(alert, "Acknowledge", by), (p) =>
    answered(p.interaction, "the edited alert", (a) => a._tag === "editOriginal"),
  )
