// Test support: what a peer received on any transport, taken in order by a test that waits for it (always bounded).

export abstract class Inbox {
  closed = false;
  /** Reads so far (TCP chunks, WebSocket frames), to tell whether anything at all arrived. */
  private arrivals = 0;
  private readonly responses: any[] = [];
  private waiters: (() => void)[] = [];

  /** Sends one request the way this peer's transport frames it. */
  abstract send(request: unknown): void;

  /** The next response not yet taken; fails after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length === 0) {
      if (this.closed) throw new Error("connection closed while waiting for a response");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await this.wait(left);
    }
    return this.responses.shift();
  }

  /** The next `count` responses. */
  async take(count: number, timeoutMs = 2000): Promise<any[]> {
    const taken = [];
    for (let i = 0; i < count; i++) taken.push(await this.next(timeoutMs));
    return taken;
  }

  /** Resolves true if nothing more arrives within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.arrivals;
    await Bun.sleep(ms);
    return this.arrivals === before && this.responses.length === 0;
  }

  /** Takes every response that arrives until the peer has been quiet for `quietMs` (notices a test does not check). */
  async drain(quietMs = 30): Promise<void> {
    for (let i = 0; i < 50 && !(await this.silentFor(quietMs)); i++) await this.take(1);
  }

  /** Waits until the server closes the connection; fails after `timeoutMs`. */
  async waitClosed(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connection still open after ${timeoutMs} ms`);
      await this.wait(left);
    }
  }

  /** Logs in and consumes the info and history that answer it. */
  async login(username: string): Promise<any[]> {
    this.send({ request: "login", content: username });
    return this.take(2);
  }

  /** One read arrived, holding these responses (none when it ended mid-response). */
  protected arrived(responses: readonly unknown[]): void {
    this.arrivals++;
    this.responses.push(...responses);
    this.wake();
  }

  protected ended(): void {
    this.closed = true;
    this.wake();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.min(ms, 100));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
