/**
 * Messages kept while the NLP is down live in Redis: the bot process is killed with SIGKILL while
 * it holds them, and two new processes started after the NLP is back analyse each exactly once.
 * The bots run as their own processes, as in production.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { OutageBuffer } from "../../src/shell/OutageBuffer.js"
import { Redis } from "../../src/shell/Redis.js"
import { alertFor } from "./helpers.js"
import { CHANNEL, startWorld, USER, type World } from "./world.js"

let world: World
const children: Array<ChildProcess> = []

beforeAll(async () => {
  world = await startWorld()
})

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL")
  await world.stop()
})

const tsx = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href
const mainTs = join(process.cwd(), "src/app/main.ts")
const identifies = () => world.discord.gatewayEvents.filter((e) => e.kind === "identify").length

/** Start the bot as its own process on this world; resolves once it has identified to the gateway. */
const startProcess = async (prefix: string): Promise<ChildProcess> => {
  const before = identifies()
  const child = spawn(process.execPath, ["--import", tsx, mainTs], {
    cwd: mkdtempSync(join(tmpdir(), "ash-kept-")),
    env: { PATH: process.env.PATH ?? "", ...world.env, BOT_REDIS_KEY_PREFIX: prefix },
    stdio: ["ignore", "ignore", "inherit"],
  })
  children.push(child)
  await expect.poll(identifies, { timeout: 40_000, interval: 100 }).toBeGreaterThan(before)
  return child
}

const keptInRedis = (prefix: string) =>
  Effect.runPromise(
    Effect.flatMap(OutageBuffer, (b) => b.size).pipe(
      Effect.provide(
        OutageBuffer.Live.pipe(
          Layer.provide(
            Redis.layer({
              url: world.env.BOT_REDIS_URL ?? "",
              password: Option.none(),
              keyPrefix: prefix,
              commandTimeoutMs: 2_000,
            }),
          ),
        ),
      ),
    ),
  )

describe("kept messages survive the bot", () => {
  it("NLP down, 5 messages kept, the bot killed with SIGKILL; two processes started after the NLP is back analyse each once", async () => {
    const prefix = `${world.keyPrefix}kept:`
    const said = [
      { text: "I wrote my goodbye letters", severity: "critical" },
      { text: "I can't stop shaking, everything is falling apart", severity: "high" },
      { text: "what's for dinner tonight", severity: "safe" },
      { text: "I feel so empty lately", severity: "medium" },
      { text: "the match last night was great", severity: "safe" },
    ] as const
    for (const { text, severity } of said) world.script(text, () => world.nlp.replyFor(severity))
    world.nlp.setDown(true)
    const first = await startProcess(prefix)
    const sources = said.map(({ text }, i) =>
      world.discord.memberSays({
        channelId: i % 2 === 0 ? CHANNEL.general : CHANNEL.vent,
        userId: [USER.member, USER.other, USER.quinn, USER.jade, USER.rowan][i] ?? USER.member,
        content: text,
      }),
    )
    await expect.poll(() => keptInRedis(prefix), { timeout: 30_000, interval: 250 }).toBe(5)
    first.kill("SIGKILL")
    await new Promise((resolve) => first.once("exit", resolve))

    world.nlp.setDown(false)
    const from = world.nlp.requests.length
    await Promise.all([startProcess(prefix), startProcess(prefix)])
    const [critical, high, , medium] = sources
    if (critical === undefined || high === undefined || medium === undefined)
      throw new Error("messages expected")
    await alertFor(world, CHANNEL.critical, critical.id, 30_000)
    await alertFor(world, CHANNEL.crisis, high.id, 30_000)
    await alertFor(world, CHANNEL.monitor, medium.id, 30_000)
    await expect.poll(() => keptInRedis(prefix), { timeout: 15_000 }).toBe(0)
    // Another recovery round of both processes: nothing is analysed again.
    await new Promise((resolve) => setTimeout(resolve, 6_000))
    const analyses = said.map(
      ({ text }) => world.nlp.requests.slice(from).filter((r) => r.message === text).length,
    )
    expect(analyses).toEqual([1, 1, 1, 1, 1])
    const alertsAbout = (id: string) =>
      [CHANNEL.monitor, CHANNEL.crisis, CHANNEL.critical].flatMap((c) =>
        world.discord.messages(c).filter((m) => JSON.stringify(m.embeds).includes(`/${id})`)),
      )
    expect(sources.map((s) => alertsAbout(s.id).length)).toEqual([1, 1, 0, 1, 0])
    const restored = world.discord
      .messages(CHANNEL.monitor)
      .filter((m) => m.content.includes("Crisis detection restored"))
    expect(restored).toHaveLength(1)
  }, 120_000)
})
