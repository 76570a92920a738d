import { Context, Data, Effect, Layer } from "effect"
import type { Alert } from "../../core/Alert.js"
import type { AshContactMode, ContactChannel } from "../../core/milestones/AshContacted.js"

/** Ash could not reach the member; `reason` is for the log, the alert shows the failure. */
export class ContactFailed extends Data.TaggedError("ContactFailed")<{ readonly reason: string }> {}

export interface AshContactService {
  /** Whether this bot can reach members at all; when not, Talk to Ash is answered and not recorded. */
  readonly available: boolean
  /** Reach the alert's member (DM, else a private thread) and say how. */
  readonly reach: (alert: Alert, mode: AshContactMode) => Effect.Effect<ContactChannel, ContactFailed>
}

/**
 * Reaching the member on the CRT's behalf: the welcome Ash sends when a CRT member presses Talk to
 * Ash or nobody acknowledged in time. An AI conversation can later stand behind this port.
 */
export class AshContact extends Context.Tag("ash/AshContact")<AshContact, AshContactService>() {
  /** A bot that does not contact members: the CRT is told to reach out directly. */
  static Unavailable: Layer.Layer<AshContact> = Layer.succeed(AshContact, {
    available: false,
    reach: () => Effect.fail(new ContactFailed({ reason: "Ash contact is not available" })),
  })
}
