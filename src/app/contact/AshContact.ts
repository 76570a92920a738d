/**
 * Reaching the member on the CRT's behalf: the welcome Ash sends when a CRT member presses Talk
 * to Ash or nobody took the alert on in time. A direct message first; when the member does not
 * accept DMs from the bot, a private thread in the support channel, with the member and the CRT
 * in it. An AI conversation can later stand behind this port.
 */
import { Clock, Context, Effect, Either, Layer, Option } from "effect"
import type { Alert } from "../../core/Alert.js"
import { renderWelcome, type WelcomeMessage } from "../../core/AshWelcome.js"
import type { AshContactMode } from "../../core/milestones/AshContacted.js"
import { AUTO_REPLY } from "../../core/Relay.js"
import { Discord, type DiscordError } from "../../shell/discord/Discord.js"
import { MemberStore } from "../../shell/MemberStore.js"
import { ResponseIndex } from "../../shell/ResponseIndex.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { withinBudget } from "../runtime/Budgets.js"

/** How a contact ended: the member reached (and where), opted out meanwhile, or not reachable. */
export type ContactOutcome =
  | { readonly _tag: "Reached"; readonly via: "dm"; readonly threadId: null }
  | { readonly _tag: "Reached"; readonly via: "thread"; readonly threadId: string }
  | { readonly _tag: "OptedOut" }
  /** Neither a DM nor a private thread reached the member; `reason` is for the log. */
  | { readonly _tag: "Unreachable"; readonly reason: string }

/** A member's message on an open conversation, as Ash sees it (never its text, today). */
export interface MemberTurn {
  /** Their first message on this conversation. */
  readonly first: boolean
  /** A CRT member has already answered them through the relay. */
  readonly answered: boolean
}

export interface AshContactService {
  /** Reach the alert's member for the contact the alert has pending (its `contactRequest`). */
  readonly reach: (alert: Alert, mode: AshContactMode) => Effect.Effect<ContactOutcome>
  /**
   * What Ash answers the member, if anything, before a person does: one honest line to their
   * first message. An AI conversation can answer here later.
   */
  readonly answer: (turn: MemberTurn) => Effect.Effect<Option.Option<string>>
}

/** Ash's answer today: the automatic reply to the first message while nobody has answered. */
const honestAnswer = (turn: MemberTurn): Effect.Effect<Option.Option<string>> =>
  Effect.succeed(turn.first && !turn.answered ? Option.some(AUTO_REPLY) : Option.none())

/**
 * How long a contact may take in all. The bot does not retry a contact's Discord calls (a retried
 * DM may have been delivered already); discord.js itself still retries a request that failed with
 * a 5xx or a dropped connection. The whole contact, with its outcome recorded, stays inside the
 * contact request's lease (2 min) and the timer's lease (1 min), so no second contact starts while
 * this one is under way.
 */
const CONTACT_TIMEOUT = "30 seconds"

/** How long the opt-out check may take; without an answer the member is not contacted. */
const OPT_OUT_CHECK_TIMEOUT = "2 seconds"

/** A private thread's name, seen by the member. */
export const SUPPORT_THREAD_NAME = "Talking with our Crisis Response Team"

/** What the CRT reads in the member's private thread: a ping of the CRT roles, who see it by managing threads. */
export const supportThreadNote = (alert: Alert, crtRoleIds: ReadonlyArray<string>) => ({
  content: [
    crtRoleIds.map((r) => `<@&${r}>`).join(" "),
    `Ash could not send <@${alert.origin.memberId}> a direct message (alert \`${alert.id}\`), so this private thread was opened for them.`,
    "Only the member, the people added here and those who manage threads (the CRT) can see it. Please answer the member here: the first message of a CRT member counts as the first response.",
  ]
    .join(" ")
    .trim(),
  allowedMentions: { parse: [], roles: [...crtRoleIds], users: [], repliedUser: false } as const,
})

const unreachable = (reason: string): ContactOutcome => ({ _tag: "Unreachable", reason })

interface Ports {
  readonly discord: Discord["Type"]
  readonly settings: BotSettings["Type"]
  readonly members: MemberStore["Type"]
  readonly responses: ResponseIndex["Type"]
}

/** The welcome in a private thread of the support channel, with the member (and the presser). */
const inThread = (
  { discord, settings, responses }: Ports,
  alert: Alert,
  welcome: WelcomeMessage,
  refused: DiscordError,
) =>
  Effect.gen(function* () {
    if (Option.isNone(settings.supportChannelId))
      return unreachable(`${refused.message}; no BOT_SUPPORT_CHANNEL_ID for a private thread`)
    const presser = alert.contactRequest?.mode === "manual" ? [alert.contactRequest.by] : []
    const threadId = yield* discord.openPrivateThread(settings.supportChannelId.value, SUPPORT_THREAD_NAME, [
      alert.origin.memberId,
      ...presser.filter((id) => /^[0-9]{17,20}$/.test(id)),
    ])
    // Without its welcome the thread would leave the member in an empty room: it goes.
    yield* discord
      .post(threadId, welcome)
      .pipe(
        Effect.tapError(() =>
          discord
            .deleteThread(threadId)
            .pipe(Effect.catchAll((e) => Effect.logError(`the empty support thread stays: ${e.message}`))),
        ),
      )
    // The member has the welcome: the contact stands. The alert links the thread, and the CRT
    // (managing threads in the support channel) sees it without this note's ping.
    yield* discord
      .post(threadId, supportThreadNote(alert, settings.dispatch.crtRoleIds))
      .pipe(
        Effect.catchAll((e) => Effect.logError(`the CRT was not pinged in the support thread: ${e.message}`)),
      )
    yield* withinBudget(
      "support thread",
      responses.watchThread(threadId, alert.id, settings.lifecycle.expireAfterMs),
      undefined,
      "not remembered: messages in it will not count as a first response",
    )
    return { _tag: "Reached", via: "thread", threadId } satisfies ContactOutcome
  }).pipe(Effect.catchAll((e) => Effect.succeed(unreachable(`${refused.message}; then ${e.message}`))))

/** Reach the member: the opt-out read again, then a DM, else a private thread. */
const reachWith = (ports: Ports) => (alert: Alert, mode: AshContactMode) =>
  Effect.gen(function* () {
    const { discord, settings, members } = ports
    const { guildId, memberId } = alert.origin
    // The member's choice is read again now (it may have been made since the alert); if it
    // cannot be read, the member is not contacted and the CRT is told instead.
    const optedOut = yield* members
      .isOptedOut(guildId, memberId)
      .pipe(Effect.timeout(OPT_OUT_CHECK_TIMEOUT), Effect.either)
    if (Either.isLeft(optedOut))
      return unreachable(`the member's opt-out could not be read (${optedOut.left._tag}): not contacted`)
    if (optedOut.right) return { _tag: "OptedOut" } satisfies ContactOutcome
    const now = yield* Clock.currentTimeMillis
    const welcome = renderWelcome(
      settings.ashTemplates,
      { alertId: alert.id, memberId, severity: alert.severity, mode },
      now,
    )
    const dm = yield* discord.sendDm(memberId, welcome).pipe(Effect.either)
    if (dm._tag === "Right") return { _tag: "Reached", via: "dm", threadId: null } satisfies ContactOutcome
    const refused = dm.left
    if (refused.kind === "dm_closed" || refused.kind === "forbidden")
      return yield* inThread(ports, alert, welcome, refused)
    return unreachable(refused.message)
  }).pipe(
    Effect.timeoutTo({
      duration: CONTACT_TIMEOUT,
      onSuccess: (outcome): ContactOutcome => outcome,
      onTimeout: () => unreachable(`no answer from Discord within ${CONTACT_TIMEOUT}`),
    }),
    Effect.annotateLogs({ alert: alert.id, contact: mode }),
  )

const make = Effect.map(
  Effect.all({ discord: Discord, settings: BotSettings, members: MemberStore, responses: ResponseIndex }),
  (ports): AshContactService => ({ reach: reachWith(ports), answer: honestAnswer }),
)

export class AshContact extends Context.Tag("ash/AshContact")<AshContact, AshContactService>() {
  static Live: Layer.Layer<AshContact, never, Discord | BotSettings | MemberStore | ResponseIndex> =
    Layer.effect(AshContact, make)
}
