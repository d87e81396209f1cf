// Accounts: registered names and their passwords (argon2id via Bun.password), with guessing made slow.
import { ChatError } from "./errors.ts";
import type { Limits } from "./limits.ts";
import { log } from "./log.ts";
import { TokenBucket } from "./rate.ts";
import type { StateStore } from "./engine/store.ts";
import { after, type Awaitable } from "./awaitable.ts";

/** Failed logins allowed per name and per address before the rest of the minute is refused. */
const FAILURES_PER_MINUTE = 5;
/** Rate-limit entries kept; past this the oldest are forgotten, so random names cannot exhaust memory. */
const MAX_TRACKED = 10_000;

export const PASSWORD_RULE = { min: 8, max: 128 };

export class Accounts {
  private readonly failures = new Map<string, TokenBucket>();

  constructor(
    private readonly store: StateStore,
    private readonly limits: Limits,
  ) {}

  isRegistered(name: string): Awaitable<boolean> {
    return after(this.store.passwordHash(name), (hash) => hash !== null);
  }

  async register(name: string, password: string): Promise<void> {
    if (await this.isRegistered(name)) throw new ChatError(`${name} is registered already.`);
    await this.store.saveAccount(name, await Bun.password.hash(password));
    log.info(`account registered: ${name}`);
  }

  /** Resolves when `password` is right; otherwise, after a delay, throws ChatError. */
  async verify(name: string, password: string, address: string): Promise<void> {
    const keys = [`name:${name.toLowerCase()}`, `address:${address}`];
    const wait = Math.max(...keys.map((key) => this.bucket(key).msUntilNext()));
    if (wait > 0) throw new ChatError(`Too many failed logins for ${name} or from your address. Try again in ${Math.ceil(wait / 1000)} seconds.`);
    const hash = await this.store.passwordHash(name);
    if (hash !== null && (await Bun.password.verify(password, hash))) return;
    for (const key of keys) this.bucket(key).take();
    log.warn(`failed login for ${name} from ${address}`);
    await Bun.sleep(this.limits.failedLoginDelayMs);
    throw new ChatError(`Wrong password for ${name}.`);
  }

  private bucket(key: string): TokenBucket {
    let bucket = this.failures.get(key);
    if (!bucket) {
      if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
      bucket = new TokenBucket(FAILURES_PER_MINUTE, FAILURES_PER_MINUTE / 60);
      this.failures.set(key, bucket);
    }
    return bucket;
  }
}
