/**
 * How long Redis may hold up a member's message on its way to an alert. A read that only enriches
 * a decision (history, cooldown, opt-out) gets a short budget and a safe fallback, so that a Redis
 * outage never delays an alert: no history, no cooldown (alert, never suppress), not opted out.
 */
import { Duration, Effect } from "effect"

export const ENRICHMENT_BUDGET = Duration.millis(250)

/** How long writing a posted alert's record may take before it is queued for later (AlertLifecycle). */
export const RECORD_BUDGET = Duration.millis(400)

/** `effect` within `budget`, else `fallback`; either miss is logged as a WARN saying what was assumed. */
export const withinBudget = <A, E extends { readonly message: string }, R>(
  what: string,
  effect: Effect.Effect<A, E, R>,
  fallback: A,
  assumed: string,
  budget: Duration.Duration = ENRICHMENT_BUDGET,
): Effect.Effect<A, never, R> =>
  effect.pipe(
    Effect.timeoutFail({
      duration: budget,
      onTimeout: () => ({ message: `no answer within ${Duration.format(budget)}` }),
    }),
    Effect.catchAll((e: { readonly message: string }) =>
      Effect.as(Effect.logWarning(`${what} unavailable (${e.message}): ${assumed}`), fallback),
    ),
  )
