import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck, Schema } from "effect"
import { AlertId } from "../../src/core/Alert.js"
import {
  BUTTON_ACTIONS,
  ButtonAction,
  CUSTOM_ID_MAX_LENGTH,
  CustomId,
  decodeCustomId,
  encodeCustomId,
} from "../../src/core/CustomId.js"

const alertIdArb = Arbitrary.make(AlertId)
const actionArb = Arbitrary.make(ButtonAction)

/** Garbage is accepted only if it is byte for byte what we would have encoded. */
const decodesOnlyIfCanonical = (s: string): void => {
  const decoded = decodeCustomId(s)
  if (Either.isRight(decoded)) {
    expect(encodeCustomId(decoded.right.action, decoded.right.alertId)).toBe(s)
  }
}

const nearMissPiece = FastCheck.constantFrom(
  "ash",
  "ash:",
  "ash:v1",
  "ash:v1:",
  "ash:v2:",
  "ASH:V1:",
  ...BUTTON_ACTIONS,
  ...BUTTON_ACTIONS.map((a) => `${a}:`),
  "ACK",
  "alert_",
  "alert_0123456789ab",
  "alert_0123456789AB",
  "alert_0123456789a",
  "alert_0123456789abc",
  ":",
  "::",
  " ",
  "\n",
  "\t",
  "\u200b",
  "0",
  "f",
  "g",
  "persistent:",
)

describe("custom_id codec", () => {
  it.prop("round-trips every action and alert id", [actionArb, alertIdArb], ([action, alertId]) => {
    const id = encodeCustomId(action, alertId)
    expect(id.length).toBeLessThanOrEqual(CUSTOM_ID_MAX_LENGTH)
    expect(decodeCustomId(id)).toEqual(Either.right({ action, alertId }))
    expect(Schema.encodeSync(CustomId)({ action, alertId })).toBe(id)
  })

  it.prop(
    "never decodes arbitrary strings unless they are a canonical encoding",
    [FastCheck.string()],
    ([s]) => {
      decodesOnlyIfCanonical(s)
    },
  )

  it.prop(
    "never decodes arbitrary unicode unless canonical",
    [FastCheck.fullUnicodeString({ maxLength: 200 })],
    ([s]) => {
      decodesOnlyIfCanonical(s)
    },
  )

  it.prop(
    "never decodes strings built from near-miss pieces unless canonical",
    [FastCheck.array(nearMissPiece, { maxLength: 8 }).map((pieces) => pieces.join(""))],
    ([s]) => {
      decodesOnlyIfCanonical(s)
    },
  )

  it.prop(
    "rejects a valid id with anything appended or prepended",
    [actionArb, alertIdArb, FastCheck.string({ minLength: 1, maxLength: 10 }), FastCheck.boolean()],
    ([action, alertId, extra, before]) => {
      const id = encodeCustomId(action, alertId)
      expect(Either.isLeft(decodeCustomId(before ? extra + id : id + extra))).toBe(true)
    },
  )

  it.prop(
    "rejects the prefix followed by random text unless canonical",
    [actionArb, FastCheck.string({ maxLength: 30 })],
    ([action, rest]) => {
      decodesOnlyIfCanonical(`ash:v1:${action}:${rest}`)
      decodesOnlyIfCanonical(`ash:v1:${action}:alert_${rest}`)
    },
  )

  it("rejects forged and legacy ids", () => {
    for (const forged of [
      "ash:v2:ack:alert_0123456789ab",
      "ash:v1:ack:alert_0123456789AB",
      "ash:v1:ACK:alert_0123456789ab",
      "ash:v1:ack:alert_0123456789ab ",
      "ash:v1:ack:alert_0123456789ab\n",
      " ash:v1:ack:alert_0123456789ab",
      "ash:v1:ack:alert_0123456789ab:extra",
      "ash:v1:ack:alert_0123456789abc",
      "ash:v1:ack:alert_0123456789a",
      "ash:v1:delete:alert_0123456789ab",
      "ash:v1::alert_0123456789ab",
      "ash:v1:ack",
      "ash_ack:1:2",
      "ash_talk:123456789:987654321",
      "persistent:ash_ack",
      "persistent:ash_talk",
      "",
    ]) {
      expect(Either.isLeft(decodeCustomId(forged)), forged).toBe(true)
    }
  })

  it("decodes the documented example", () => {
    expect(decodeCustomId("ash:v1:reached:alert_0123456789ab")).toEqual(
      Either.right({ action: "reached", alertId: "alert_0123456789ab" }),
    )
  })

  it("keeps a bounded copy of a hostile id for the log", () => {
    const result = decodeCustomId("x".repeat(10_000))
    expect(Either.isLeft(result) && result.left.received.length).toBe(200)
  })
})

describe("a button that is not ours", () => {
  it("is an InvalidCustomId naming what was received, cut for the log", () => {
    const decoded = decodeCustomId(`persistent:ash_ack${"x".repeat(300)}`)
    expect(Either.isLeft(decoded) && decoded.left._tag).toBe("InvalidCustomId")
    expect(Either.isLeft(decoded) && decoded.left.received).toBe(`persistent:ash_ack${"x".repeat(182)}`)
  })

  it("never names an action the milestones do not declare", () => {
    expect(Either.isLeft(decodeCustomId("ash:v1:page:alert_0123456789ab"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(ButtonAction)("page"))).toBe(true)
    for (const action of BUTTON_ACTIONS) expect(Schema.decodeUnknownSync(ButtonAction)(action)).toBe(action)
  })
})
