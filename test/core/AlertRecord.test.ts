import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { AggregateDecodeError, EMPTY_CLOCK, fromFields } from "../../src/core/AggregateFields.js"
import { Alert } from "../../src/core/Alert.js"
import { calendarOf, isValidTimeZone } from "../../src/core/Calendar.js"
import { ButtonAction, CustomId } from "../../src/core/CustomId.js"
import { formatDuration } from "../../src/core/Duration.js"
import { BUCKET_COUNT } from "../../src/core/Histogram.js"
import { created } from "../support/alerts.js"

const decodes = (alert: unknown) => Either.isRight(Schema.decodeUnknownEither(Alert)(alert))

describe("a stored alert record", () => {
  const alert = created()
  const withOrigin = (guildId: string) => ({ ...alert, origin: { ...alert.origin, guildId } })

  it("takes only Discord ids of 1 to 20 digits", () => {
    expect(decodes(withOrigin("12345678901234567890"))).toBe(true)
    for (const id of ["", "12a", "a12", "123456789012345678901", "12 ", "-12"])
      expect(decodes(withOrigin(id))).toBe(false)
  })

  it("takes only YYYY-MM-DD days", () => {
    expect(decodes({ ...alert, day: "2026-01-05" })).toBe(true)
    for (const day of [
      "2026-1-05",
      "2026-01-5",
      "x2026-01-05",
      "2026-01-05x",
      "20260-01-05",
      "2026-0a-05",
      "2026-01-0a",
      "abcd-01-05",
    ])
      expect(decodes({ ...alert, day })).toBe(false)
  })

  it("reads a contact recorded before threads were linked as having no thread", () => {
    const contacted = { at: 1, by: "auto", elapsedMs: 1, skewed: false, mode: "auto", via: "thread" }
    const stored = { ...alert, milestones: { ...alert.milestones, ashContacted: contacted } }
    const decoded = Schema.decodeUnknownSync(Alert)(stored)
    expect(decoded.milestones.ashContacted).toEqual({ ...contacted, threadId: null })
  })
})

describe("a stored daily hash", () => {
  it("reads a responder credited with nothing as absent", () => {
    const decoded = fromFields({ "responder_ack:5": "0" })
    expect(Either.isRight(decoded) && decoded.right.responders.size).toBe(0)
  })

  it("is refused, by field, when a clock's count, histogram, minimum and maximum disagree", () => {
    const bucket = "acknowledge_bucket_03"
    for (const hash of [
      { acknowledge_count: "2", [bucket]: "1", acknowledge_min_ms: "1", acknowledge_max_ms: "2" },
      { acknowledge_count: "1", [bucket]: "1", acknowledge_min_ms: "1" },
      { acknowledge_count: "1", [bucket]: "1", acknowledge_max_ms: "1" },
      { acknowledge_count: "1", [bucket]: "1", acknowledge_min_ms: "5", acknowledge_max_ms: "4" },
      { acknowledge_min_ms: "5" },
    ]) {
      const decoded = fromFields(hash)
      expect(Either.isLeft(decoded) && decoded.left).toMatchObject({
        _tag: "AggregateDecodeError",
        field: "acknowledge_count",
        reason: "inconsistent",
      })
    }
    const fine = fromFields({
      acknowledge_count: "1",
      [bucket]: "1",
      acknowledge_min_ms: "4",
      acknowledge_max_ms: "4",
    })
    expect(Either.isRight(fine)).toBe(true)
    expect(
      new AggregateDecodeError({ field: "f", value: "v", reason: "not_a_count", message: "m" })._tag,
    ).toBe("AggregateDecodeError")
  })

  it("starts every clock from empty buckets", () => {
    expect(EMPTY_CLOCK.buckets).toEqual(new Array<number>(BUCKET_COUNT).fill(0))
  })
})

describe("custom ids and actions that are not ours", () => {
  it("say why they do not decode", () => {
    const id = Schema.decodeUnknownEither(CustomId)("ash:v2:ack:alert_000000000001")
    expect(Either.isLeft(id) && id.left.message).toContain("not an ash:v1 button id")
    const action = Schema.decodeUnknownEither(ButtonAction)("page")
    expect(Either.isLeft(action) && action.left.message).toContain("one of talk, ack, reached, resolve")
  })
})

describe("durations and calendar days", () => {
  it("knows an IANA timezone from a name the platform does not", () => {
    expect(isValidTimeZone("America/New_York")).toBe(true)
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false)
  })

  it("shows an endless duration as ∞", () => {
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("∞")
  })

  it("reads the day and hour of an instant in the metrics timezone", () => {
    const instant = Date.parse("2026-01-05T23:30:00Z")
    expect(calendarOf(instant, "UTC")).toEqual({ day: "2026-01-05", hour: 23 })
    expect(calendarOf(instant, "Europe/Berlin")).toEqual({ day: "2026-01-06", hour: 0 })
    expect(calendarOf(instant, "America/New_York")).toEqual({ day: "2026-01-05", hour: 18 })
    expect(calendarOf(Date.parse("2026-07-01T05:00:00Z"), "Asia/Tokyo")).toEqual({
      day: "2026-07-01",
      hour: 14,
    })
  })
})
