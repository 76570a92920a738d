/**
 * Pseudonyms for exports: a keyed hash (HMAC-SHA-256) of a Discord id, so the same member or
 * responder is the same pseudonym in every row and every export made with the same key, and
 * nobody without the key can tell whose it is or test a guess.
 */
import { createHmac } from "node:crypto"
import { Redacted } from "effect"
import type { Pseudonym } from "../core/AlertExport.js"

/** 16 hex digits (64 bits): collisions stay out of reach for any community's member count. */
const LENGTH = 16

/** The pseudonym function of a key; repeated ids are hashed once. */
export const pseudonymsOf = (key: Redacted.Redacted): Pseudonym => {
  const secret = Redacted.value(key)
  const seen = new Map<string, string>()
  return (id) => {
    const known = seen.get(id)
    if (known !== undefined) return known
    const prefix = id.startsWith("alert_") ? "a_" : "p_"
    const hashed = `${prefix}${createHmac("sha256", secret).update(id).digest("hex").slice(0, LENGTH)}`
    seen.set(id, hashed)
    return hashed
  }
}
