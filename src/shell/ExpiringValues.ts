import { Clock, Effect, Ref } from "effect"

/**
 * String values that expire on the Clock, as Redis keys with a TTL do: the memory twins' stand-in
 * for `SET … PX`, `GET`/`MGET` and `DEL`.
 */
export const expiringValues = Effect.map(
  Ref.make(new Map<string, { value: string; until: number }>()),
  (ref) => ({
    set: (key: string, value: string, ttlMs: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (t) =>
        Ref.update(ref, (m) => new Map(m).set(key, { value, until: t + ttlMs })),
      ),
    /** Each key's value, null when it is missing or expired (as MGET answers). */
    getMany: (keys: ReadonlyArray<string>) =>
      Effect.flatMap(Clock.currentTimeMillis, (t) =>
        Effect.map(Ref.get(ref), (m) =>
          keys.map((k) => {
            const entry = m.get(k)
            return entry !== undefined && entry.until > t ? entry.value : null
          }),
        ),
      ),
    delete: (key: string) =>
      Ref.update(ref, (m) => {
        const next = new Map(m)
        next.delete(key)
        return next
      }),
  }),
)
