import { describe, expect, it } from "vitest"
import { alertFor, buttons, customIdOf, ephemeralText, say, statusOf } from "./helpers.js"
import { CHANNEL, USER, worldForFile } from "./world.js"

const file = worldForFile()

describe("alert buttons on the Discord wire", () => {
  it("refuses a member without the CRT role and changes nothing; a CRT member acknowledges within 3 s", async () => {
    const source = say(file.world, "high", { userId: USER.quinn, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.crisis, source.id)
    const ack = customIdOf(alert, "Acknowledge")

    const refused = file.world.discord.clickButton({
      messageId: alert.id,
      customId: ack,
      userId: USER.bystander,
    })
    expect(await ephemeralText(refused)).toContain("Only members of the Crisis Response Team")
    expect(file.world.discord.message(alert.id)?.edited_timestamp ?? null).toBeNull()

    const click = file.world.discord.clickButton({ messageId: alert.id, customId: ack, userId: USER.crt1 })
    await click.firstCallback
    expect(click.responseMs).toBeLessThan(3_000)
    const edited = await file.world.discord.waitForEdit(
      alert.id,
      (m) => statusOf(m).includes("Acknowledged"),
      5_000,
    )
    expect(statusOf(edited)).toContain(`<@${USER.crt1}>`)
    expect(buttons(edited)).toEqual(["Talk to Ash", "I reached out", "Resolve"])
  })

  it("two CRT members at once: one wins, the other is told who acknowledged", async () => {
    const source = say(file.world, "critical", { userId: USER.jade, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.critical, source.id)
    const ack = customIdOf(alert, "Acknowledge")
    const clicks = [USER.crt1, USER.crt2].map((userId) =>
      file.world.discord.clickButton({ messageId: alert.id, customId: ack, userId }),
    )
    const followUps = await Promise.all(
      clicks.map((c) =>
        c
          .waitForCall((call) => call.kind === "follow-up" || call.kind === "edit-original", 5_000)
          .then((call) => (call.kind === "follow-up" ? JSON.stringify(call.body) : "won")),
      ),
    )
    expect(followUps.filter((f) => f === "won")).toHaveLength(1)
    const loser = followUps.find((f) => f !== "won") ?? ""
    expect(loser).toContain("Already acknowledged by <@")
  })

  it("a forged or malformed custom_id gets an ephemeral 'unknown or expired' and changes nothing", async () => {
    const source = say(file.world, "medium", { userId: USER.rowan, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.monitor, source.id)
    for (const customId of [
      "ash:v1:ack:alert_ffffffffffff",
      "ash_ack:1:2",
      "persistent:ash_ack",
      "ash:v9:ack:alert_0123456789ab",
    ]) {
      const click = file.world.discord.clickButton({
        messageId: alert.id,
        customId,
        userId: USER.crt1,
        unchecked: true,
      })
      const text = await ephemeralText(click)
      expect(text).toMatch(/Unknown or expired|no longer on record/)
    }
    expect(file.world.discord.message(alert.id)?.edited_timestamp ?? null).toBeNull()
  })
})

describe("restarts", () => {
  it("a click on an alert posted before the bot restarted still works", async () => {
    const source = say(file.world, "high", { userId: USER.member, channelId: CHANNEL.general })
    const alert = await alertFor(file.world, CHANNEL.crisis, source.id)
    await file.restartBot()
    const click = file.world.discord.clickButton({
      messageId: alert.id,
      customId: customIdOf(alert, "Acknowledge"),
      userId: USER.crt2,
    })
    await click.firstCallback
    const edited = await file.world.discord.waitForEdit(
      alert.id,
      (m) => statusOf(m).includes("Acknowledged"),
      5_000,
    )
    expect(statusOf(edited)).toContain(`<@${USER.crt2}>`)
  })
})
