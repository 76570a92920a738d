import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Alert } from "../../src/core/Alert.js"
import { encodeAlertJson } from "../../src/shell/AlertStore.js"
import { alertArb } from "../support/lifecycle.js"

describe("alert record encoding", () => {
  it.prop("JSON.stringify is the schema encoder of an alert", [alertArb], ([alert]) => {
    // The store writes JSON.stringify; it must be exactly what the schema would encode.
    expect(JSON.parse(encodeAlertJson(alert))).toEqual(Schema.encodeSync(Alert)(alert))
    expect(Schema.decodeUnknownSync(Alert)(JSON.parse(encodeAlertJson(alert)))).toEqual(alert)
  })
})
