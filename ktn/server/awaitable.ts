// Awaitable: a value now (memory, SQLite) or later (Redis), so the single-process path stays synchronous.
export type Awaitable<T> = T | Promise<T>;

/** Runs `next` on the value: at once when it is there, once it arrives when it is a promise. */
export function after<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
