// The node's link to Redis: one client for commands, one for the subscription, every call bounded in time.
//
// Bun's RedisClient reconnects by itself but forgets the subscription, and subscribing again without
// unsubscribing first delivers everything twice: the link unsubscribes, then subscribes, on every
// (re)connect of the subscriber. With the offline queue off, a call during an outage fails at once
// instead of waiting; the timeout covers a Redis that is reachable but does not answer.
import { RedisClient } from "bun";
import { ChatError } from "../errors.ts";
import { log } from "../log.ts";

/** A request that needs Redis while it cannot be reached: the client is told to try again. */
export class RedisUnavailableError extends ChatError {
  constructor() {
    super("The chat's shared store is not reachable right now; nothing was done. Try again in a few seconds.");
  }
}

/** Redis could not be reached at start-up. */
export class RedisConnectError extends Error {}

const CALL_TIMEOUT_MS = 1500;
const CONNECT_TIMEOUT_MS = 5000;
/** Bun gives up after maxRetries reconnects; past that the link starts again itself, this often. */
const RETRY_MS = 500;

export class RedisLink {
  private readonly commands: RedisClient;
  private readonly subscriber: RedisClient;
  private channel: string | null = null;
  private listener: ((message: string) => void) | null = null;
  private readonly reconnected: (() => void)[] = [];
  private closing = false;
  /** The subscriber has been connected before: its next connect is a reconnect. */
  private subscribedOnce = false;

  constructor(readonly url: string) {
    const options = { enableOfflineQueue: false, connectionTimeout: 2000, maxRetries: 1_000_000 };
    this.commands = new RedisClient(url, options);
    this.subscriber = new RedisClient(url, options);
    this.commands.onclose = () => this.restart(this.commands);
    this.subscriber.onclose = () => this.restart(this.subscriber);
    this.subscriber.onconnect = () => {
      if (this.subscribedOnce) void this.resubscribe();
    };
  }

  /** Connects both clients; throws RedisConnectError naming the URL when Redis cannot be reached in time. */
  async open(): Promise<void> {
    const connect = Promise.all([this.commands.connect(), this.subscriber.connect()]);
    const reached = await Promise.race([connect.then(() => true), Bun.sleep(CONNECT_TIMEOUT_MS).then(() => false)]).catch(() => false);
    if (!reached) {
      this.close();
      throw new RedisConnectError(`cannot reach Redis at ${this.url}`);
    }
  }

  /** Runs a command; rejects with RedisUnavailableError when Redis is down or does not answer in time. */
  async call(command: string, args: (string | number)[]): Promise<any> {
    if (!this.commands.connected) throw new RedisUnavailableError();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError()), CALL_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.commands.send(command, args.map(String)), timeout]);
    } catch (failure) {
      if (failure instanceof RedisUnavailableError) throw failure;
      if ((failure as { code?: string }).code === "ERR_REDIS_SERVER_ERROR") throw failure;
      log.warn(`redis ${command} failed: ${(failure as Error).message}`);
      throw new RedisUnavailableError();
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs a Lua script. Sent whole each time (EVAL), not by its SHA: a call that had to load the script
   * first, or to load it again after Redis forgot it, would be overtaken by later calls, and the order
   * the calls run in is the order of a room's messages. Redis keeps the compiled script either way.
   */
  script(source: string, args: (string | number)[]): Promise<any> {
    return this.call("EVAL", [source, 0, ...args]);
  }

  /** Subscribes to the one channel of the cluster; kept across reconnects, exactly once. */
  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    this.channel = channel;
    this.listener = listener;
    await this.subscriber.subscribe(channel, listener);
    this.subscribedOnce = true;
  }

  /** Called after each reconnect, once the subscription is back (re-register what Redis may have lost). */
  onReconnect(callback: () => void): void {
    this.reconnected.push(callback);
  }

  close(): void {
    this.closing = true;
    this.commands.close();
    this.subscriber.close();
  }

  private async resubscribe(): Promise<void> {
    if (!this.channel || !this.listener) return;
    try {
      await this.subscriber.unsubscribe(this.channel).catch(() => {});
      await this.subscriber.subscribe(this.channel, this.listener);
      log.info(`redis: reconnected to ${this.url}; subscribed again`);
      // The callbacks use the command client, which may come back a moment after the subscriber.
      for (let i = 0; i < 200 && !this.commands.connected && !this.closing; i++) await Bun.sleep(RETRY_MS / 10);
      for (const callback of this.reconnected) callback();
    } catch (failure) {
      log.warn(`redis: subscribing again failed (${(failure as Error).message}); retrying`);
      setTimeout(() => void this.resubscribe(), RETRY_MS);
    }
  }

  /** Bun's client ran out of retries (or the idle timeout fired): keep trying, the node must not need a restart. */
  private restart(client: RedisClient): void {
    if (this.closing) return;
    log.warn(`redis: connection to ${this.url} lost; reconnecting`);
    setTimeout(() => {
      if (!this.closing && !client.connected) client.connect().catch(() => this.restart(client));
    }, RETRY_MS);
  }
}
