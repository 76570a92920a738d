import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { PendingAlert, postedAlert } from "../../src/core/PendingAlert.js"
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
})
