import { RESTJSONErrorCodes } from "discord-api-types/v10"
import { discordError, type ParsedRequest, type Reply } from "../httpKit.js"
import { decodeMessageBody, type MessageBody } from "../MessageStore.js"

export interface RouteContext {
  readonly request: ParsedRequest
  readonly params: Readonly<Record<string, string>>
}

export interface Route {
  readonly method: string
  readonly pattern: string
  /** Interaction callbacks and webhooks authenticate by their token, not the bot's. */
  readonly open?: boolean
  readonly handle: (ctx: RouteContext) => Reply
}

export const isReply = (v: unknown): v is Reply => typeof v === "object" && v !== null && "status" in v

export const invalidFormBody = (): Reply =>
  discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body")

/** The request's message body, or the 400 Discord answers when a field has the wrong type. */
export const bodyOf = (
  ctx: RouteContext,
  what: string,
  violation: (message: string) => void,
): MessageBody | Reply => {
  const decoded = decodeMessageBody(ctx.request.json ?? {})
  if (typeof decoded === "string") {
    violation(`${what}: field ${decoded} has the wrong type`)
    return discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid Form Body", {
      [decoded]: { _errors: [{ code: "BASE_TYPE_BAD_TYPE", message: "Wrong type" }] },
    })
  }
  return decoded
}
