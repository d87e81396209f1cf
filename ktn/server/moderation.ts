// Moderation: who is a moderator, bans checked at login, and the actions moderators take.
import { after, type Awaitable } from "./awaitable.ts";
import { notLoggedIn, type Chat, type Member, type Whereabouts } from "./chat.ts";
import { ChatError } from "./errors.ts";
import { error, info } from "../protocol/responses.ts";
import { log } from "./log.ts";
import { outgoing } from "./writer.ts";
import type { Accounts } from "./accounts.ts";
import type { Ban, StateStore } from "./engine/store.ts";

export class Moderation {
  /** Moderators named on the command line: permanent for this process, and no `deop` removes them. */
  private startupOps = new Set<string>();
  private granted = new Set<string>();

  constructor(
    private readonly chat: Chat,
    private readonly store: StateStore,
    private readonly accounts: Accounts,
    private readonly requestedOps: readonly string[],
  ) {}

  /** Reads the moderators from the store and checks the --op names; before the first login. */
  async load(): Promise<void> {
    // An --op name nobody has registered would go to whoever registers it first: such names are ignored.
    const registered: string[] = [];
    for (const name of this.requestedOps) {
      if (await this.accounts.isRegistered(name)) registered.push(name);
      else log.warn(`--op ${name} ignored: no account has that name; register it, then restart with --op`);
    }
    this.startupOps = new Set(registered.map((name) => name.toLowerCase()));
    await this.reload();
  }

  /** Reads the moderators again: another node of a cluster changed them. */
  async reload(): Promise<void> {
    this.granted = new Set(await this.store.moderators());
  }

  /** Only a name that logged in with its password can moderate: otherwise anyone could pose as a moderator. */
  isModerator(name: string, authenticated: boolean): boolean {
    const key = name.toLowerCase();
    return authenticated && (this.startupOps.has(key) || this.granted.has(key));
  }

  /** Throws ChatError when the name, or the address (moderators excepted), is banned now. */
  checkBans(name: string, address: string, moderator: boolean): Awaitable<void> {
    return after(this.store.bans(), (bans) => {
      const now = Date.now();
      const ban = bans.find((b) =>
        (b.until === null || b.until > now) &&
        ((b.kind === "name" && b.target === name.toLowerCase()) || (b.kind === "address" && b.target === address && !moderator)));
      if (!ban) return;
      const until = ban.until === null ? "for good" : `until ${new Date(ban.until).toISOString()}`;
      throw new ChatError(`You are banned ${until}${ban.reason ? `: ${ban.reason}` : "."}`);
    });
  }

  kick(actor: Member, targetName: string, reason: string): Awaitable<void> {
    return after(this.online(targetName), (target) => {
      this.refuseModerator(target.name);
      return this.remove(actor, target, `${target.name} was kicked by ${actor.username}${because(reason)}`, `You were kicked by ${actor.username}${because(reason)}`);
    });
  }

  ban(actor: Member, targetName: string, minutes: number | null, reason: string): Awaitable<void> {
    return after(this.chat.locate(targetName), (target) => {
      const name = target?.name ?? targetName;
      this.refuseModerator(name);
      const until = minutes === null ? null : Date.now() + minutes * 60_000;
      const ban = (kind: Ban["kind"], value: string): Ban => ({ kind, target: value, name, until, reason, by: actor.username! });
      return after(this.store.saveBan(ban("name", name.toLowerCase())), () =>
        after(target ? this.store.saveBan(ban("address", target.address)) : undefined, () => {
          const length = minutes === null ? "" : ` for ${minutes} minute${minutes === 1 ? "" : "s"}`;
          const notice = `${name} was banned${length} by ${actor.username}${because(reason)}`;
          if (target) return this.remove(actor, target, notice, `You were banned${length} by ${actor.username}${because(reason)}`);
          return this.tell(actor, notice);
        }));
    });
  }

  unban(actor: Member, targetName: string): Awaitable<void> {
    return after(this.store.removeBans(targetName), (lifted) => {
      if (lifted === 0) throw new ChatError(`${targetName} is not banned.`);
      return this.tell(actor, `${targetName} was unbanned by ${actor.username}.`);
    });
  }

  deleteMessage(actor: Member, id: number): Awaitable<void> {
    const notice = `Message ${id} was deleted by ${actor.username}.`;
    return after(this.chat.deleteMessage(id, notice), (room) => {
      // Every request gets an answer: a moderator elsewhere is told too, as for kick and ban.
      if (this.chat.roomName(actor).toLowerCase() !== room) actor.deliver(outgoing(info(notice)));
      log.info(`moderation: ${actor.username} deleted message ${id}`);
    });
  }

  op(actor: Member, targetName: string): Awaitable<void> {
    return after(this.accounts.isRegistered(targetName), (registered) => {
      if (!registered) throw new ChatError(`${targetName} has no account: only registered names can be moderators.`);
      this.granted.add(targetName.toLowerCase());
      return after(this.store.setModerator(targetName, true), () => this.changed(actor, `${targetName} was made a moderator by ${actor.username}.`));
    });
  }

  deop(actor: Member, targetName: string): Awaitable<void> {
    const key = targetName.toLowerCase();
    if (this.startupOps.has(key)) throw new ChatError(`${targetName} is a moderator by the server's --op flag; restart without it instead.`);
    if (!this.granted.delete(key)) throw new ChatError(`${targetName} is not a moderator.`);
    return after(this.store.setModerator(targetName, false), () => this.changed(actor, `${targetName} is no longer a moderator (${actor.username}).`));
  }

  /** Moderators cannot kick or ban each other; a moderator must be deopped first. */
  private refuseModerator(name: string): void {
    if (this.isModerator(name, true)) throw new ChatError(`${name} is a moderator; deop them first.`);
  }

  private online(name: string): Awaitable<Whereabouts> {
    return after(this.chat.locate(name), (found) => {
      if (!found) throw new ChatError(notLoggedIn(name));
      return found;
    });
  }

  /** Takes a user out of the chat: its room hears `notice`, the user gets `farewell` and is closed. */
  private remove(actor: Member, target: Whereabouts, notice: string, farewell: string): Awaitable<void> {
    const room = target.room;
    return after(this.chat.remove(target.name, notice, error(farewell)), () => {
      if (this.chat.roomName(actor).toLowerCase() !== room.toLowerCase() && actor.username?.toLowerCase() !== target.name.toLowerCase()) actor.deliver(outgoing(info(notice)));
      log.info(`moderation: ${notice}`);
    });
  }

  /** The moderators changed: other nodes of a cluster read them again; the actor's room hears it. */
  private changed(actor: Member, notice: string): Awaitable<void> {
    return after(this.chat.moderatorsChanged(), () => this.tell(actor, notice));
  }

  /** Announces to the actor's room (so the actor hears it too) and logs it. */
  private tell(actor: Member, notice: string): Awaitable<void> {
    log.info(`moderation: ${notice}`);
    return this.chat.announce(this.chat.roomName(actor), notice);
  }
}

function because(reason: string): string {
  return reason ? `: ${reason}` : ".";
}
