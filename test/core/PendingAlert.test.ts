import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { PendingAlert, type PendingMessage, postedAlert } from "../../src/core/PendingAlert.js"
import { pendingAlert } from "../support/alerts.js"

describe("an alert on its way", () => {
  it("is created where it was posted, everything else as written", () => {
    const pending = pendingAlert()
    const created = postedAlert(pending, { channelId: "501", messageId: "777" })
    expect(created.origin).toEqual({ ...pending.alert.origin, alertChannelId: "501", alertMessageId: "777" })
    expect({ ...created, origin: pending.alert.origin }).toEqual(pending.alert)
  })

  it("survives its stored form, the member's text and where it was posted included", () => {
    const codec = Schema.parseJson(PendingAlert)
    const posted = { ...pendingAlert(), posted: { channelId: "501", messageId: "777" } }
    expect(Schema.decodeUnknownSync(codec)(Schema.encodeSync(codec)(posted))).toEqual(posted)
  })

  it.each([
    ["an analysis without its figures", (m: PendingMessage) => ({ ...m, analysis: {} })],
    [
      "an escalation without its trend",
      (m: PendingMessage) => ({ ...m, analysis: { ...m.analysis, escalation: { messageCount: 2 } } }),
    ],
    ["a member without a name", (m: PendingMessage) => ({ ...m, member: {} })],
  ])("refuses a stored form with %s", (_, breakIt) => {
    const stored = pendingAlert()
    const json = JSON.stringify({ ...stored, message: breakIt(stored.message) })
    expect(Either.isLeft(Schema.decodeUnknownEither(Schema.parseJson(PendingAlert))(json))).toBe(true)
  })
})
