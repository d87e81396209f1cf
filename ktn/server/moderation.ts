// Moderation: who is a moderator, bans checked at login, and the actions moderators take.
import type { Chat, Member } from "./chat.ts";
import { ChatError } from "./errors.ts";
import { error, info } from "../protocol/responses.ts";
import { log } from "./log.ts";
import { outgoing } from "./writer.ts";
import type { Accounts } from "./accounts.ts";
import type { Ban, Store } from "./engine/store.ts";

export class Moderation {
  /** Moderators named on the command line: permanent for this process, and no `deop` removes them. */
  private readonly startupOps: Set<string>;
  private readonly granted: Set<string>;

  constructor(
    private readonly chat: Chat,
    private readonly store: Store,
    private readonly accounts: Accounts,
    startupOps: readonly string[],
  ) {
    // An --op name nobody has registered would go to whoever registers it first: such names are ignored.
    const registered = startupOps.filter((name) => accounts.isRegistered(name));
    for (const name of startupOps) {
      if (!registered.includes(name)) log.warn(`--op ${name} ignored: no account has that name; register it, then restart with --op`);
    }
    this.startupOps = new Set(registered.map((name) => name.toLowerCase()));
    this.granted = new Set(store.moderators());
  }

  /** Only a name that logged in with its password can moderate: otherwise anyone could pose as a moderator. */
  isModerator(name: string, authenticated: boolean): boolean {
    const key = name.toLowerCase();
    return authenticated && (this.startupOps.has(key) || this.granted.has(key));
  }

  /** Throws ChatError when the name, or the address (moderators excepted), is banned now. */
  checkBans(name: string, address: string, moderator: boolean): void {
    const now = Date.now();
    const ban = this.store.bans().find((b) =>
      (b.until === null || b.until > now) &&
      ((b.kind === "name" && b.target === name.toLowerCase()) || (b.kind === "address" && b.target === address && !moderator)));
    if (!ban) return;
    const until = ban.until === null ? "for good" : `until ${new Date(ban.until).toISOString()}`;
    throw new ChatError(`You are banned ${until}${ban.reason ? `: ${ban.reason}` : "."}`);
  }

  kick(actor: Member, targetName: string, reason: string): void {
    const target = this.online(targetName);
    this.refuseModerator(target.username!);
    this.remove(actor, target, `${target.username} was kicked by ${actor.username}${because(reason)}`, `You were kicked by ${actor.username}${because(reason)}`);
  }

  ban(actor: Member, targetName: string, minutes: number | null, reason: string): void {
    const target = this.chat.member(targetName);
    const name = target?.username ?? targetName;
    this.refuseModerator(name);
    const until = minutes === null ? null : Date.now() + minutes * 60_000;
    const ban = (kind: Ban["kind"], value: string): Ban => ({ kind, target: value, name, until, reason, by: actor.username! });
    this.store.saveBan(ban("name", name.toLowerCase()));
    if (target) this.store.saveBan(ban("address", target.address));
    const length = minutes === null ? "" : ` for ${minutes} minute${minutes === 1 ? "" : "s"}`;
    const notice = `${name} was banned${length} by ${actor.username}${because(reason)}`;
    if (target) this.remove(actor, target, notice, `You were banned${length} by ${actor.username}${because(reason)}`);
    else this.tell(actor, notice);
  }

  unban(actor: Member, targetName: string): void {
    if (this.store.removeBans(targetName) === 0) throw new ChatError(`${targetName} is not banned.`);
    this.tell(actor, `${targetName} was unbanned by ${actor.username}.`);
  }

  deleteMessage(actor: Member, id: number): void {
    const notice = `Message ${id} was deleted by ${actor.username}.`;
    const room = this.chat.deleteMessage(id, notice);
    // Every request gets an answer: a moderator elsewhere is told too, as for kick and ban.
    if (this.chat.roomName(actor).toLowerCase() !== room) actor.deliver(outgoing(info(notice)));
    log.info(`moderation: ${actor.username} deleted message ${id}`);
  }

  op(actor: Member, targetName: string): void {
    if (!this.accounts.isRegistered(targetName)) throw new ChatError(`${targetName} has no account: only registered names can be moderators.`);
    this.granted.add(targetName.toLowerCase());
    this.store.setModerator(targetName, true);
    this.tell(actor, `${targetName} was made a moderator by ${actor.username}.`);
  }

  deop(actor: Member, targetName: string): void {
    const key = targetName.toLowerCase();
    if (this.startupOps.has(key)) throw new ChatError(`${targetName} is a moderator by the server's --op flag; restart without it instead.`);
    if (!this.granted.delete(key)) throw new ChatError(`${targetName} is not a moderator.`);
    this.store.setModerator(targetName, false);
    this.tell(actor, `${targetName} is no longer a moderator (${actor.username}).`);
  }

  /** Moderators cannot kick or ban each other; a moderator must be deopped first. */
  private refuseModerator(name: string): void {
    if (this.isModerator(name, true)) throw new ChatError(`${name} is a moderator; deop them first.`);
  }

  private online(name: string): Member {
    const member = this.chat.member(name);
    if (!member) throw new ChatError(`No user named '${name}' is logged in.`);
    return member;
  }

  /** Takes a member out of the chat: its room hears `notice`, the member gets `farewell` and is closed. */
  private remove(actor: Member, target: Member, notice: string, farewell: string): void {
    const room = this.chat.roomName(target);
    this.chat.leave(target.username!, notice);
    target.disconnect(error(farewell));
    if (this.chat.roomName(actor) !== room && actor !== target) actor.deliver(outgoing(info(notice)));
    log.info(`moderation: ${notice}`);
  }

  /** Announces to the actor's room (so the actor hears it too) and logs it. */
  private tell(actor: Member, notice: string): void {
    const room = this.chat.roomName(actor);
    this.chat.announce(room, notice);
    log.info(`moderation: ${notice}`);
  }
}

function because(reason: string): string {
  return reason ? `: ${reason}` : ".";
}
