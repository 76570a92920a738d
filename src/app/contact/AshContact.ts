/**
 * Reaching the member on the CRT's behalf: the welcome Ash sends when a CRT member presses Talk
 * to Ash or nobody took the alert on in time. A direct message first; when the member does not
 * accept DMs from the bot, a private thread in the support channel, with the member and the CRT
 * in it. An AI conversation can later stand behind this port.
 */
import { Clock, Context, Effect, Layer, Option, Schedule } from "effect"
import type { Alert } from "../../core/Alert.js"
import { renderWelcome, type WelcomeMessage } from "../../core/AshWelcome.js"
import type { AshContactMode } from "../../core/milestones/AshContacted.js"
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

export interface AshContactService {
  /** Reach the alert's member for the contact the alert has pending (its `contactRequest`). */
  readonly reach: (alert: Alert, mode: AshContactMode) => Effect.Effect<ContactOutcome>
}

/** A Discord outage is retried a few times; a refusal is an answer. */
const RETRY = {
  schedule: Schedule.exponential("500 millis").pipe(Schedule.intersect(Schedule.recurs(3))),
  while: (e: DiscordError) => e.kind === "unavailable",
}

/** A private thread's name, seen by the member. */
export const SUPPORT_THREAD_NAME = "Talking with our Crisis Response Team"

/** What the CRT reads in the member's private thread, pinging the CRT roles (which adds them to it). */
export const supportThreadNote = (alert: Alert, crtRoleIds: ReadonlyArray<string>) => ({
  content: [
    crtRoleIds.map((r) => `<@&${r}>`).join(" "),
    `Ash could not send <@${alert.origin.memberId}> a direct message (alert \`${alert.id}\`), so this private thread was opened for them.`,
    "Only the member, the people added here and moderators can see it. Please answer the member here: the first message of a CRT member counts as the first response.",
  ]
    .join(" ")
    .trim(),
  allowedMentions: { parse: [], roles: [...crtRoleIds], users: [], repliedUser: false } as const,
})

const unreachable = (reason: string): ContactOutcome => ({ _tag: "Unreachable", reason })

const make = Effect.gen(function* () {
  const discord = yield* Discord
  const settings = yield* BotSettings
  const members = yield* MemberStore
  const responses = yield* ResponseIndex

  /** The welcome in a private thread of the support channel, with the member (and the presser). */
  const inThread = (alert: Alert, welcome: WelcomeMessage, refused: DiscordError) =>
    Effect.gen(function* () {
      if (Option.isNone(settings.supportChannelId))
        return unreachable(`${refused.message}; no BOT_SUPPORT_CHANNEL_ID for a private thread`)
      const presser = alert.contactRequest?.mode === "manual" ? [alert.contactRequest.by] : []
      const threadId = yield* discord
        .openPrivateThread(settings.supportChannelId.value, SUPPORT_THREAD_NAME, [
          alert.origin.memberId,
          ...presser.filter((id) => /^[0-9]{17,20}$/.test(id)),
        ])
        .pipe(Effect.retry(RETRY))
      yield* discord.post(threadId, welcome).pipe(Effect.retry(RETRY))
      yield* discord.post(threadId, supportThreadNote(alert, settings.dispatch.crtRoleIds)).pipe(
        Effect.retry(RETRY),
        Effect.catchAll((e) => Effect.logError(`CRT not told in the thread: ${e.message}`)),
      )
      yield* withinBudget(
        "support thread",
        responses.watchThread(threadId, alert.id, settings.lifecycle.expireAfterMs),
        undefined,
        "not remembered: messages in it will not count as a first response",
      )
      return { _tag: "Reached", via: "thread", threadId } satisfies ContactOutcome
    }).pipe(Effect.catchAll((e) => Effect.succeed(unreachable(`${refused.message}; then ${e.message}`))))

  const reach = (alert: Alert, mode: AshContactMode) =>
    Effect.gen(function* () {
      const { guildId, memberId } = alert.origin
      const optedOut = yield* withinBudget(
        "opt-out",
        members.isOptedOut(guildId, memberId),
        false,
        "taken as not opted out",
      )
      if (optedOut) return { _tag: "OptedOut" } satisfies ContactOutcome
      const now = yield* Clock.currentTimeMillis
      const welcome = renderWelcome(
        settings.ashTemplates,
        { alertId: alert.id, memberId, severity: alert.severity, mode },
        now,
      )
      const dm = yield* discord.sendDm(memberId, welcome).pipe(Effect.retry(RETRY), Effect.either)
      if (dm._tag === "Right") return { _tag: "Reached", via: "dm", threadId: null } satisfies ContactOutcome
      const refused = dm.left
      if (refused.kind === "dm_closed" || refused.kind === "forbidden")
        return yield* inThread(alert, welcome, refused)
      return unreachable(refused.message)
    }).pipe(Effect.annotateLogs({ alert: alert.id, contact: mode }))

  return { reach } satisfies AshContactService
})

export class AshContact extends Context.Tag("ash/AshContact")<AshContact, AshContactService>() {
  static Live: Layer.Layer<AshContact, never, Discord | BotSettings | MemberStore | ResponseIndex> =
    Layer.effect(AshContact, make)
}
