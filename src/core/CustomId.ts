import { Data, Either, ParseResult, Schema } from "effect"
import { AlertId } from "./Alert.js"
import { type ButtonAction as Action, BUTTON_ACTIONS } from "./milestones/Milestones.js"

export { BUTTON_ACTIONS }

/**
 * The member's own button, on Ash's welcome: "I'd rather talk to a person". Only the alert's
 * member may press it; every other action is the CRT's, on the alert message.
 */
export const OPT_OUT_ACTION = "optout" as const
export type OptOutAction = typeof OPT_OUT_ACTION

/** Every action a button of the bot can carry. */
export const ALL_ACTIONS: ReadonlyArray<Action | OptOutAction> = [...BUTTON_ACTIONS, OPT_OUT_ACTION]

const isAction = (s: string): s is Action | OptOutAction => ALL_ACTIONS.some((a) => a === s)

/** What a button asks for: an action a milestone declares a button for, or the member's opt-out. */
export const ButtonAction = Schema.String.pipe(
  Schema.filter(isAction, { message: () => `one of ${ALL_ACTIONS.join(", ")}` }),
  Schema.annotations({ arbitrary: () => (fc) => fc.constantFrom(...ALL_ACTIONS) }),
)
export type ButtonAction = Action | OptOutAction

/** The decoded meaning of a button press: which action on which alert. */
export const ButtonTarget = Schema.Struct({ action: ButtonAction, alertId: AlertId })
export type ButtonTarget = typeof ButtonTarget.Type

/** Discord rejects components whose custom_id is longer than this. */
export const CUSTOM_ID_MAX_LENGTH = 100

// The version segment lets a later format coexist with buttons already posted under v1.
const PREFIX = "ash:v1:"

// Anchored on both ends and without flags: `$` in a JS regex (no `m`) does not match before a
// trailing newline, so "…\n" and any trailing whitespace are rejected.
const FORMAT = /^ash:v1:([a-z]+):(alert_[0-9a-f]{12})$/

const actionOf = (segment: string): ButtonAction | undefined => ALL_ACTIONS.find((a) => a === segment)

/**
 * The `custom_id` format `ash:v1:<action>:<alertId>` as a Schema from the raw string to its
 * target. Routing only by decoding makes buttons work after restarts and across shards.
 */
export const CustomId = Schema.transformOrFail(Schema.String, ButtonTarget, {
  // Stryker disable next-line BooleanLiteral: `strict` only changes what the type checker accepts.
  strict: true,
  decode: (raw, _options, ast) => {
    const match = FORMAT.exec(raw)
    const action = match?.[1] === undefined ? undefined : actionOf(match[1])
    const alertId = match?.[2]
    return action === undefined || alertId === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, raw, "not an ash:v1 button id"))
      : ParseResult.succeed({ action, alertId })
  },
  encode: (target) => ParseResult.succeed(`${PREFIX}${target.action}:${target.alertId}`),
})

/** A `custom_id` that is not one of ours (forged, stale format or garbage). */
export class InvalidCustomId extends Data.TaggedError("InvalidCustomId")<{
  /** The received id, cut so that a hostile payload cannot flood the log line. */
  readonly received: string
}> {}

// Generous next to the 100 Discord allows, so a log still shows what was sent.
const RECEIVED_LOG_LENGTH = 200

/** The `custom_id` for `action` on the alert `alertId` (at most 33 characters). */
export const encodeCustomId = (action: ButtonAction, alertId: AlertId): string =>
  `${PREFIX}${action}:${alertId}`

const decodeEither = Schema.decodeEither(CustomId)

/** The button target named by `customId`, or InvalidCustomId for anything we did not encode. */
export const decodeCustomId = (customId: string): Either.Either<ButtonTarget, InvalidCustomId> =>
  Either.mapLeft(
    decodeEither(customId),
    () => new InvalidCustomId({ received: customId.slice(0, RECEIVED_LOG_LENGTH) }),
  )
