/**
 * First human response seen in messages: a CRT member writing in the member's support thread, or
 * replying to or mentioning the member where the alert came from. Only CRT members' messages are
 * looked up, each in one round trip; the decision is the core's.
 */
import { Effect, Layer, Option, Schedule, Stream } from "effect"
import {
  matchResponse,
  type ResponseCandidates,
  responseCandidates,
  type SeenMessage,
} from "../../core/FirstResponse.js"
import { Discord, type IncomingMessage } from "../../shell/discord/Discord.js"
import { ResponseIndex } from "../../shell/ResponseIndex.js"
import { AlertLifecycle } from "../alerts/AlertLifecycle.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { drainingRunner, SHUTDOWN_GRACE } from "../runtime/Handlers.js"

/** How long an answer waits for its alert to be on record (a post held by a rate limit takes seconds). */
const AWAIT_RECORD = Schedule.spaced("250 millis").pipe(Schedule.upTo("15 seconds"))

const seenMessage = (m: IncomingMessage): SeenMessage => ({
  channelId: m.channelId,
  parentChannelId: m.parentChannelId,
  authorId: m.author.id,
  authorIsBot: m.author.bot,
  authorRoleIds: m.author.roleIds,
  repliedToUserId: m.repliedToUserId,
  mentionedUserIds: m.mentionedUserIds,
})

/** A CRT member's message, with what to look up for it. */
interface CrtMessage {
  readonly message: IncomingMessage
  readonly seen: SeenMessage
  readonly candidates: ResponseCandidates
}

/** The message as a possible first response; none when it is not by a CRT member. */
const crtMessage = (
  message: IncomingMessage,
  crtRoleIds: ReadonlyArray<string>,
): Option.Option<CrtMessage> => {
  const seen = seenMessage(message)
  const candidates = responseCandidates(seen, crtRoleIds)
  return candidates === null ? Option.none() : Option.some({ message, seen, candidates })
}

/** Record a CRT member's message as the first response to the alert it answers, if it answers one. */
const detectResponse = ({ message, seen, candidates }: CrtMessage) =>
  Effect.gen(function* () {
    const index = yield* ResponseIndex
    const found = matchResponse(seen, yield* index.lookup(message.guildId, candidates))
    if (found === null) return
    const lifecycle = yield* AlertLifecycle
    const applied = yield* lifecycle
      .apply(found.alertId, { _tag: "FirstResponse", by: seen.authorId, detection: found.detection })
      .pipe(
        // The alert is watched before it is posted and recorded: an answer that quick waits for it.
        Effect.retry({
          schedule: AWAIT_RECORD,
          while: (e) => e._tag === "AlertNotFound" || e._tag === "AlertRecording",
        }),
        Effect.either,
      )
    if (applied._tag === "Right")
      return yield* Effect.logInfo(`first response to ${found.alertId} (${found.detection})`)
    if (applied.left._tag !== "EventRejected" && applied.left._tag !== "AlertNotFound")
      yield* Effect.logError(`first response to ${found.alertId} NOT recorded: ${applied.left.message}`)
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError("first-response detection failed", cause)),
    Effect.annotateLogs({ message_id: message.messageId, channel: message.channelId }),
  )

/** Every message of the guilds, for as long as the bot runs. */
export const Responses = {
  Live: Layer.scopedDiscard(
    Effect.gen(function* () {
      const discord = yield* Discord
      const settings = yield* BotSettings
      const run = yield* drainingRunner<AlertLifecycle | ResponseIndex>("response checks", SHUTDOWN_GRACE)
      // Most messages are not by a CRT member: they are passed over here, without a fiber.
      yield* discord.messages.pipe(
        Stream.filterMap((m) => crtMessage(m, settings.dispatch.crtRoleIds)),
        Stream.runForEach((m) => Effect.sync(() => run(detectResponse(m)))),
        Effect.forkScoped,
      )
    }),
  ),
}
