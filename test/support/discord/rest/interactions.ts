import {
  type APIMessage,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  RESTJSONErrorCodes,
} from "discord-api-types/v10"
import type { EmulatorContext } from "../emulatorState.js"
import { discordError, noContent, notFound, ok, type Reply, type UploadedFile } from "../httpKit.js"
import { createsMessage, type InteractionState, updatesMessage } from "../Interactions.js"
import { decodeMessageBody, type MessageBody, type MessageRecord } from "../MessageStore.js"
import type { ChannelRecord } from "../World.js"
import { bodyOf, invalidFormBody, isReply, type Route, type RouteContext } from "./route.js"

const invalidResponseType = (): Reply =>
  discordError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType, "Invalid interaction response type")

/** The message a component interaction came from. */
const componentMessage = (state: InteractionState): APIMessage | undefined =>
  state.payload.type === InteractionType.MessageComponent ? state.payload.message : undefined

const interactionChannel = (emu: EmulatorContext, state: InteractionState): ChannelRecord | undefined =>
  emu.world.channels.get(state.payload.channel?.id ?? "")

/** Why Discord would refuse this callback (it is then recorded as a violation), if it would. */
const callbackRefusal = (
  emu: EmulatorContext,
  state: InteractionState,
  type: InteractionResponseType,
  body: MessageBody,
  now: number,
): Reply | undefined => {
  if (state.acknowledged) {
    emu.violation(`interaction ${state.id}: acknowledged twice`)
    return discordError(
      400,
      RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged,
      "Interaction has already been acknowledged.",
    )
  }
  if (!state.withinDeadline(now)) {
    emu.violation(
      `interaction ${state.id}: callback after ${state.age(now)} ms (deadline ${emu.deadlineMs} ms)`,
    )
    return notFound(RESTJSONErrorCodes.UnknownInteraction, "interaction")
  }
  if (updatesMessage(type) && componentMessage(state) === undefined) {
    emu.violation(`interaction ${state.id}: callback type ${type} on an interaction without a message`)
    return invalidResponseType()
  }
  if (!createsMessage(type) && !updatesMessage(type)) {
    emu.violation(`interaction ${state.id}: unsupported callback type ${type}`)
    return invalidResponseType()
  }
  if (
    type === InteractionResponseType.ChannelMessageWithSource ||
    type === InteractionResponseType.UpdateMessage
  ) {
    return emu.messages.refuse(
      `interaction ${state.id} callback`,
      body,
      type === InteractionResponseType.ChannelMessageWithSource,
    )
  }
  return undefined
}

/** Carries out an accepted callback; returns the message it created, updated or deferred on. */
const applyCallback = (
  emu: EmulatorContext,
  state: InteractionState,
  type: InteractionResponseType,
  body: MessageBody,
  files: readonly UploadedFile[],
): APIMessage | undefined => {
  const { messages } = emu
  const component = componentMessage(state)
  const channel = interactionChannel(emu, state)
  if (createsMessage(type) && channel !== undefined) {
    const flags = body.flags ?? 0
    const record = messages.create(channel, body, messages.storedFiles(files, body), {
      ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
      loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
      interaction: state,
    })
    state.replies.push(record.message)
    return record.message
  }
  if (component === undefined) return undefined
  return type === InteractionResponseType.UpdateMessage
    ? messages.edit(component.id, body, messages.storedFiles(files, body))
    : component
}

/** `POST /interactions/:id/:token/callback`: the acknowledgement, within the deadline, once. */
const callback = (emu: EmulatorContext, ctx: RouteContext): Reply => {
  const state = emu.interactions.find((i) => i.id === ctx.params.interaction)
  if (state === undefined || state.token !== ctx.params.token) {
    return notFound(RESTJSONErrorCodes.UnknownInteraction, "interaction")
  }
  const json = ctx.request.json
  const type = typeof json === "object" && json !== null && "type" in json ? Number(json.type) : Number.NaN
  const raw = typeof json === "object" && json !== null && "data" in json ? json.data : undefined
  const decoded = raw === undefined || raw === null ? {} : decodeMessageBody(raw)
  const answer = (reply: Reply): Reply => {
    state.recordCallback(reply.status, type, json as never)
    return reply
  }
  if (typeof decoded === "string") {
    emu.violation(`interaction ${state.id}: callback data field ${decoded} has the wrong type`)
    return answer(invalidFormBody())
  }
  const refused = callbackRefusal(emu, state, type, decoded, Date.now())
  if (refused !== undefined) return answer(refused)
  const message = applyCallback(emu, state, type, decoded, ctx.request.files)
  state.originalId = message?.id
  if (ctx.request.query.get("with_response") !== "true") return answer(noContent)
  return answer(
    ok({
      interaction: {
        id: state.id,
        type: state.payload.type,
        response_message_id: message?.id,
        response_message_loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
        response_message_ephemeral: ((decoded.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
      },
      resource: { type, ...(message === undefined ? {} : { message }) },
    }),
  )
}

/** The interaction a webhook path names by its token, while the token is valid. */
const interactionByToken = (emu: EmulatorContext, ctx: RouteContext): InteractionState | Reply => {
  const state = emu.byToken.get(ctx.params.token ?? "")
  if (
    state === undefined ||
    (ctx.params.application !== undefined && ctx.params.application !== emu.applicationId)
  ) {
    return notFound(RESTJSONErrorCodes.UnknownWebhook, "Webhook")
  }
  if (!state.tokenValid(Date.now())) {
    emu.violation(`interaction ${state.id}: webhook used after the token expired`)
    return discordError(401, RESTJSONErrorCodes.InvalidWebhookToken, "Invalid Webhook Token")
  }
  return state
}

const original = (emu: EmulatorContext, state: InteractionState): MessageRecord | undefined =>
  state.originalId === undefined ? undefined : emu.store.get(state.originalId)

const editOriginal = (emu: EmulatorContext, ctx: RouteContext): Reply => {
  const { messages } = emu
  const state = interactionByToken(emu, ctx)
  if (isReply(state)) return state
  const json = ctx.request.json ?? {}
  const respond = (reply: Reply): Reply => {
    state.recordEdit(reply.status, json as never)
    return reply
  }
  const record =
    ctx.params.message === "@original" ? original(emu, state) : emu.store.get(ctx.params.message ?? "")
  if (record === undefined) return respond(notFound(RESTJSONErrorCodes.UnknownMessage, "Message"))
  const body = bodyOf(ctx, `interaction ${state.id} edit`, emu.violation)
  if (isReply(body)) return respond(body)
  const refused = messages.refuse(`interaction ${state.id} edit`, body, false)
  if (refused !== undefined) return respond(refused)
  return respond(ok(messages.edit(record.message.id, body, messages.storedFiles(ctx.request.files, body))))
}

const followUp = (emu: EmulatorContext, ctx: RouteContext): Reply => {
  const { messages } = emu
  const state = interactionByToken(emu, ctx)
  if (isReply(state)) return state
  const json = ctx.request.json ?? {}
  const respond = (reply: Reply): Reply => {
    state.recordFollowUp(reply.status, json as never)
    return reply
  }
  if (!state.acknowledged) {
    emu.violation(`interaction ${state.id}: follow-up before the interaction was acknowledged`)
    return respond(notFound(RESTJSONErrorCodes.UnknownWebhook, "Webhook"))
  }
  const channel = interactionChannel(emu, state)
  if (channel === undefined) return respond(notFound(RESTJSONErrorCodes.UnknownChannel, "Channel"))
  const body = bodyOf(ctx, `interaction ${state.id} follow-up`, emu.violation)
  if (isReply(body)) return respond(body)
  const refused = messages.refuse(`interaction ${state.id} follow-up`, body, ctx.request.files.length === 0)
  if (refused !== undefined) return respond(refused)
  const files = messages.storedFiles(ctx.request.files, body)
  const loading = original(emu, state)
  // A follow-up to a deferred reply that was never edited becomes that reply, as on Discord.
  if (loading?.loading === true) return respond(ok(messages.edit(loading.message.id, body, files)))
  const record = messages.create(channel, body, files, {
    ephemeral: ((body.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
    loading: false,
    interaction: state,
    webhook: true,
  })
  state.replies.push(record.message)
  return respond(ok(record.message))
}

const getOriginal = (emu: EmulatorContext, ctx: RouteContext): Reply => {
  const state = interactionByToken(emu, ctx)
  if (isReply(state)) return state
  const record = original(emu, state)
  const reply =
    record === undefined ? notFound(RESTJSONErrorCodes.UnknownMessage, "Message") : ok(record.message)
  state.recordOriginal("get-original", reply.status)
  return reply
}

const deleteOriginal = (emu: EmulatorContext, ctx: RouteContext): Reply => {
  const state = interactionByToken(emu, ctx)
  if (isReply(state)) return state
  const record = original(emu, state)
  if (record !== undefined) emu.messages.delete(record)
  const reply = record === undefined ? notFound(RESTJSONErrorCodes.UnknownMessage, "Message") : noContent
  state.recordOriginal("delete-original", reply.status)
  return reply
}

/** Interaction callbacks and the interaction webhook; both authenticate by the interaction token. */
export const interactionRoutes = (emu: EmulatorContext): Route[] => [
  {
    method: "POST",
    pattern: "/interactions/:interaction/:token/callback",
    open: true,
    handle: (ctx) => callback(emu, ctx),
  },
  {
    method: "POST",
    pattern: "/webhooks/:application/:token",
    open: true,
    handle: (ctx) => followUp(emu, ctx),
  },
  {
    method: "GET",
    pattern: "/webhooks/:application/:token/messages/@original",
    open: true,
    handle: (ctx) => getOriginal(emu, ctx),
  },
  {
    method: "PATCH",
    pattern: "/webhooks/:application/:token/messages/:message",
    open: true,
    handle: (ctx) => editOriginal(emu, ctx),
  },
  {
    method: "DELETE",
    pattern: "/webhooks/:application/:token/messages/@original",
    open: true,
    handle: (ctx) => deleteOriginal(emu, ctx),
  },
]
