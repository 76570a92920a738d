import { type APIMessage, ComponentType, InteractionResponseType, MessageFlags } from "discord-api-types/v10"
import { expect } from "vitest"
import type { InteractionHandle } from "../support/discord/types.js"
import type { World } from "./world.js"

/** The message's buttons with a custom_id, in order. */
const buttonList = (m: APIMessage): Array<{ readonly label: string; readonly customId: string }> => {
  const out: Array<{ label: string; customId: string }> = []
  for (const row of m.components ?? []) {
    if (row.type !== ComponentType.ActionRow) continue
    for (const c of row.components) {
      if (c.type === ComponentType.Button && "custom_id" in c)
        out.push({ label: c.label ?? "", customId: c.custom_id })
    }
  }
  return out
}

/** The labels of the message's buttons, in order. */
export const buttons = (m: APIMessage): string[] => buttonList(m).map((b) => b.label)

export const customIdOf = (m: APIMessage, label: string): string => {
  const found = buttonList(m).find((b) => b.label === label)
  if (found === undefined) throw new Error(`no ${label} button on ${m.id}`)
  return found.customId
}

/** The bot's alert about `sourceId` in `channelId`, once it is there. */
export const alertFor = (world: World, channelId: string, sourceId: string, timeoutMs = 5_000) =>
  world.discord.waitForMessage(
    channelId,
    (m) =>
      m.author.id === world.discord.botUser.id &&
      (m.embeds[0]?.fields?.some((f) => f.value.includes(`/${sourceId})`)) ?? false),
    timeoutMs,
  )

let counter = 0

/** A member says something the NLP stand-in rates with `severity`. */
export const say = (
  world: World,
  severity: "safe" | "low" | "medium" | "high" | "critical",
  options: { userId: string; channelId: string; text?: string },
) => {
  counter++
  const content = options.text ?? `message ${counter} rated ${severity}`
  world.script(content, () => world.nlp.replyFor(severity))
  return world.discord.memberSays({ channelId: options.channelId, userId: options.userId, content })
}

export const statusOf = (m: APIMessage): string =>
  m.embeds[0]?.fields?.find((f) => f.name === "📌 Status")?.value ?? ""

/** The text of the first ephemeral answer: an immediate reply, or a follow-up after deferring. */
export const ephemeralText = async (click: InteractionHandle) => {
  const call = await click.waitForCall(
    (c) =>
      (c.kind === "callback" && c.body.type === InteractionResponseType.ChannelMessageWithSource) ||
      c.kind === "follow-up",
    5_000,
  )
  const body =
    call.kind === "callback" && "data" in call.body
      ? call.body.data
      : call.kind === "follow-up"
        ? call.body
        : undefined
  expect(
    body !== undefined && "flags" in body ? (Number(body.flags) & MessageFlags.Ephemeral) !== 0 : false,
  ).toBe(true)
  return body !== undefined && "content" in body ? String(body.content) : ""
}

/** The first value `probe` gives, polled every 20 ms for up to `timeoutMs`. */
export const waitFor = async <A>(what: string, probe: () => A | undefined, timeoutMs = 5_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = probe()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
