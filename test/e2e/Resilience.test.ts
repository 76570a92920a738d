import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Effect, Layer, Option } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { calendarOf } from "../../src/core/Calendar.js"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { IntakeCounters } from "../../src/shell/IntakeCounters.js"
import { Redis } from "../../src/shell/Redis.js"
import { alertFor, customIdOf, say, statusOf } from "./helpers.js"
import { CHANNEL, type RunningBot, startWorld, USER, type World } from "./world.js"

let world: World
let bot: RunningBot

beforeAll(async () => {
  world = await startWorld()
  bot = await world.startBot({ BOT_NLP_DEGRADED_NOTICE_MINUTES: "60" })
})

afterAll(async () => {
  await bot.stop()
  await world.stop()
})

afterEach(() => {
  expect(world.discord.takeViolations()).toEqual([])
})

const today = () => calendarOf(Date.now(), "UTC").day

/** Run a store operation on the Redis the bot of this world writes to. */
const inRedis = <A, E>(effect: Effect.Effect<A, E, AlertStore | IntakeCounters>) =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(
        Layer.mergeAll(AlertStore.layer(), IntakeCounters.layer(60_000)).pipe(
          Layer.provide(
            Redis.layer({
              url: world.env.BOT_REDIS_URL ?? "",
              password: Option.none(),
              keyPrefix: world.keyPrefix,
              commandTimeoutMs: 2_000,
            }),
          ),
        ),
      ),
    ),
  )

const botMessages = (channelId: string) =>
  world.discord.messages(channelId).filter((m) => m.author.id === world.discord.botUser.id)

describe("cooldown", () => {
  it("a second HIGH within the cooldown is counted on the open alert; a CRITICAL breaks through", async () => {
    const first = say(world, "high", { userId: USER.quinn, channelId: CHANNEL.general })
    const alert = await alertFor(world, CHANNEL.crisis, first.id)
    say(world, "high", { userId: USER.quinn, channelId: CHANNEL.vent })
    const counted = await world.discord.waitForEdit(
      alert.id,
      (m) => statusOf(m).includes("1 more flagged message"),
      5_000,
    )
    expect(counted.id).toBe(alert.id)
    const critical = say(world, "critical", { userId: USER.quinn, channelId: CHANNEL.general })
    await alertFor(world, CHANNEL.critical, critical.id)
    const quinnAlerts = botMessages(CHANNEL.crisis).filter((m) =>
      JSON.stringify(m.embeds).includes(USER.quinn),
    )
    expect(quinnAlerts).toHaveLength(1)
  })
})

describe("Discord failures", () => {
  it("a 429 on posting is waited out and the alert lands", async () => {
    world.discord.failNext({
      method: "POST",
      route: `/channels/${CHANNEL.monitor}/messages`,
      status: 429,
      retryAfter: 0.2,
    })
    const source = say(world, "medium", { userId: USER.jade, channelId: CHANNEL.general })
    await alertFor(world, CHANNEL.monitor, source.id)
  })

  it("four 5xx on the critical channel: the alert is posted in the fallback channel", async () => {
    world.discord.failNext({
      method: "POST",
      route: `/channels/${CHANNEL.critical}/messages`,
      status: 502,
      times: 4,
    })
    const source = say(world, "critical", { userId: USER.jade, channelId: CHANNEL.vent })
    const alert = await alertFor(world, CHANNEL.crisis, source.id, 15_000)
    expect(alert.embeds[0]?.title).toBe("🚨 CRITICAL ALERT")
  }, 20_000)

  it("gateway closed with 4000: resumed, and a message sent meanwhile alerts exactly once", async () => {
    world.discord.dropGateway(4000)
    const source = say(world, "high", { userId: USER.rowan, channelId: CHANNEL.general })
    await alertFor(world, CHANNEL.crisis, source.id, 10_000)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const alerts = botMessages(CHANNEL.crisis).filter((m) =>
      JSON.stringify(m.embeds).includes(`/${source.id})`),
    )
    expect(alerts).toHaveLength(1)
    expect(world.discord.gatewayEvents.some((e) => e.kind === "resume")).toBe(true)
  })
})

describe("NLP failures", () => {
  it("a timeout is retried and the message still alerts", async () => {
    const text = "slow to analyse but still a crisis"
    let first = true
    world.script(text, () => {
      if (!first) return world.nlp.replyFor("high")
      first = false
      return { fault: "timeout" }
    })
    const source = world.discord.memberSays({ channelId: CHANNEL.general, userId: USER.other, content: text })
    await alertFor(world, CHANNEL.crisis, source.id, 10_000)
    expect(world.nlp.requests.filter((r) => r.message === text).length).toBeGreaterThanOrEqual(2)
  }, 15_000)

  it("NLP down: one degraded notice, and the buffered messages alert after recovery", async () => {
    const buffered = async () =>
      (await inRedis(Effect.flatMap(IntakeCounters, (c) => c.read(today())))).nlp_buffered_count
    const bufferedBefore = await buffered()
    world.nlp.setDown(true)
    const texts = ["down one", "down two", "down three"]
    const sent = texts.map((content) => {
      world.script(content, () => world.nlp.replyFor("high"))
      return world.discord.memberSays({ channelId: CHANNEL.vent, userId: USER.member, content })
    })
    const notice = await world.discord.waitForMessage(
      CHANNEL.monitor,
      (m) => m.content.includes("Crisis detection degraded"),
      15_000,
    )
    expect(notice.content).toContain("degraded")
    world.nlp.setDown(false)
    await world.discord.waitForMessage(
      CHANNEL.monitor,
      (m) => m.content.includes("Crisis detection restored"),
      20_000,
    )
    // The member's three messages: the first alerts, the other two are counted on it (cooldown).
    const first = sent[0]
    if (first === undefined) throw new Error("messages expected")
    // A message still in its last retry when the NLP came back is buffered after the first
    // re-analysis, and waits for the next one (every 5 s).
    const alert = await alertFor(world, CHANNEL.crisis, first.id, 20_000)
    await world.discord.waitForEdit(alert.id, (m) => statusOf(m).includes("2 more flagged messages"), 20_000)
    const notices = botMessages(CHANNEL.monitor).filter((m) =>
      m.content.includes("Crisis detection degraded"),
    )
    expect(notices).toHaveLength(1)
    expect(await buffered()).toBe(bufferedBefore + 3)
  }, 60_000)
})

describe("what Redis holds", () => {
  it("the day's counters equal what the emulator saw: alerts posted and acknowledgements", async () => {
    const source = say(world, "critical", { userId: USER.other, channelId: CHANNEL.general })
    const alert = await alertFor(world, CHANNEL.critical, source.id)
    const click = world.discord.clickButton({
      messageId: alert.id,
      customId: customIdOf(alert, "Acknowledge"),
      userId: USER.crt1,
    })
    await click.firstCallback
    await world.discord.waitForEdit(alert.id, (m) => statusOf(m).includes("Acknowledged"), 5_000)
    const posted = [CHANNEL.monitor, CHANNEL.crisis, CHANNEL.critical].flatMap((c) =>
      botMessages(c).filter((m) => m.embeds.length > 0),
    )
    const acknowledged = posted.filter((m) =>
      statusOf(world.discord.message(m.id) ?? m).includes("Acknowledged"),
    )
    const day = today()
    const [stored] = await inRedis(Effect.flatMap(AlertStore, (store) => store.daily([day])))
    expect(stored?.aggregate.counts.get("totalAlerts")).toBe(posted.length)
    expect(stored?.aggregate.counts.get("acknowledged")).toBe(acknowledged.length)
  })
})

describe("start-up and shutdown", () => {
  const tsx = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href
  const mainTs = join(process.cwd(), "src/app/main.ts")

  it("as its own process: connects to the gateway, and exits 0 on SIGTERM before a 10 s kill", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "ash-process-"))
    const identifies = world.discord.gatewayEvents.filter((e) => e.kind === "identify").length
    const child = spawn(process.execPath, ["--import", tsx, mainTs], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...world.env, BOT_REDIS_KEY_PREFIX: `${world.keyPrefix}process:` },
      stdio: ["ignore", "ignore", "pipe"],
    })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += String(chunk)
    })
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    try {
      await expect
        .poll(() => world.discord.gatewayEvents.filter((e) => e.kind === "identify").length, {
          timeout: 30_000,
        })
        .toBe(identifies + 1)
      child.kill("SIGTERM")
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      const code = await exited
      clearTimeout(killer)
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" })
    } finally {
      child.kill("SIGKILL")
    }
  }, 60_000)

  it("reads .env from the working directory, and a real environment variable wins over it", () => {
    const cwd = mkdtempSync(join(tmpdir(), "ash-dotenv-"))
    writeFileSync(join(cwd, ".env"), "BOT_ALERT_MIN_SEVERITY=urgent\nBOT_ALERT_COOLDOWN=300\n")
    const result = spawnSync(process.execPath, ["--import", tsx, mainTs], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...world.env, BOT_ALERT_COOLDOWN: "abc" },
      encoding: "utf8",
      timeout: 30_000,
    })
    expect(result.status).toBe(78)
    // From .env: nothing in the real environment sets it.
    expect(result.stderr).toContain("BOT_ALERT_MIN_SEVERITY")
    // The real environment's "abc", not .env's valid 300.
    expect(result.stderr).toContain("BOT_ALERT_COOLDOWN")
  }, 40_000)

  it("BOT_ALERT_COOLDOWN=abc stops the bot with a non-zero exit naming the variable", () => {
    const cwd = mkdtempSync(join(tmpdir(), "ash-config-"))
    const result = spawnSync(process.execPath, ["--import", tsx, mainTs], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...world.env, BOT_ALERT_COOLDOWN: "abc" },
      encoding: "utf8",
      timeout: 30_000,
    })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain("BOT_ALERT_COOLDOWN")
    expect(result.stderr).toContain("whole number of seconds")
  }, 40_000)
})
