// The chat state of one node of a cluster: its own members as in Chat, and through Redis everything
// shared with the other nodes (names, rooms, who is where, history, notices, moderators' actions).
//
// A notice is never delivered straight to local members: it goes out on the cluster's channel, and
// every node, this one too, delivers what arrives there to its members. So all nodes hear the same
// notices in the same order, once each. The single process (Chat) pays for none of this.
import { Chat, notLoggedIn, taken, type Member, type Room, type RoomSummary, type Whereabouts } from "./chat.ts";
import { ChatError } from "./errors.ts";
import { log } from "./log.ts";
import type { ClusterSettings } from "./options.ts";
import { error, info, message, type Response } from "../protocol/responses.ts";
import { outgoing } from "./writer.ts";
import { parseEvent, type ClusterEvent } from "./engine/cluster-events.ts";
import { RedisBroker } from "./engine/redis-broker.ts";
import { RedisLink } from "./engine/redis-link.ts";
import { RedisPresence } from "./engine/redis-presence.ts";
import { RedisStore } from "./engine/redis-store.ts";
import { LOBBY } from "./engine/store.ts";

export class ClusterChat extends Chat {
  private readonly presence: RedisPresence;
  /** Set by the server: moderators changed on some node. */
  onModeratorsChanged: () => void = () => {};

  private constructor(
    private readonly link: RedisLink,
    readonly store: RedisStore,
    private readonly messages: RedisBroker<Member>,
    settings: ClusterSettings,
    node: string,
    historyLimit: number,
  ) {
    super(store, historyLimit, messages);
    this.presence = new RedisPresence(link, settings.name, node, settings.presenceTtlMs, () => this.localUsers(), (name) => this.lostName(name));
  }

  /** Connects to Redis and takes part in the cluster; throws RedisConnectError when Redis cannot be reached. */
  static async join(settings: ClusterSettings, historyLimit: number): Promise<ClusterChat> {
    const link = new RedisLink(settings.redisUrl);
    await link.open();
    const node = crypto.randomUUID();
    const store = new RedisStore(link, settings.name);
    const chat = new ClusterChat(link, store, new RedisBroker(link, settings.name, node, historyLimit), settings, node, historyLimit);
    try {
      await store.open();
      await link.subscribe(chat.presence.channel, (published) => chat.received(published));
      await chat.presence.start();
    } catch (failure) {
      link.close();
      throw failure;
    }
    link.onReconnect(() => chat.onModeratorsChanged());
    return chat;
  }

  override async join(member: Member, username: string): Promise<void> {
    const key = this.available(username);
    if (!(await this.presence.claim(username, LOBBY, member.address, `${username} joined the chat.`))) throw new ChatError(taken(username));
    this.members.set(key, member);
    this.enter(member, this.occupy(LOBBY));
  }

  /** Other nodes hear leaves at shutdown too: for them these users are gone. */
  override leave(username: string, notice = `${username} left the chat.`): void {
    if (this.forget(username)) this.presence.release(username, notice);
  }

  override async locate(username: string): Promise<Whereabouts | null> {
    return this.member(username) ? super.locate(username) : this.presence.locate(username);
  }

  override async remove(username: string, notice: string, farewell: Response): Promise<void> {
    if (this.member(username)) return super.remove(username, notice, farewell);
    const removal: ClusterEvent = { k: "x", name: username.toLowerCase(), notice, farewell: String(farewell.content) };
    if (!(await this.presence.toUser(username, removal))) throw new ChatError(notLoggedIn(username));
  }

  override async moderatorsChanged(): Promise<void> {
    await this.presence.publish({ k: "op" });
  }

  override async moveTo(member: Member, name: string): Promise<string> {
    const from = this.roomOf.get(member)!;
    if (from.key === name.toLowerCase()) throw new ChatError(`You are in ${from.name} already.`);
    await this.store.saveRoom(name);
    const to = (await this.store.roomName(name)) ?? name;
    const user = { name: member.username!, room: to, address: member.address };
    await this.presence.move(user, to, `${user.name} left for ${to}.`, `${user.name} joined ${to}.`);
    // It may have gone while Redis answered; then there is nothing to move.
    if (this.roomOf.has(member)) {
      this.exit(member);
      this.enter(member, this.occupy(to));
    }
    return to;
  }

  override async announce(roomName: string, notice: string): Promise<void> {
    await this.presence.publish({ k: "n", room: roomName.toLowerCase(), text: notice });
  }

  override async whisper(author: Member, recipientName: string, content: string): Promise<void> {
    if (this.member(recipientName)) return super.whisper(author, recipientName, content);
    const found = await this.presence.locate(recipientName);
    if (!found) throw new ChatError(notLoggedIn(recipientName));
    const response = { ...message(author.username!, content), response: "message" as const, content, to: found.name };
    if (!(await this.presence.toUser(found.name, { k: "w", to: found.name.toLowerCase(), r: response }))) throw new ChatError(notLoggedIn(recipientName));
    author.deliver(outgoing(response));
  }

  override names(member: Member): Promise<string[]> {
    return this.presence.names(this.roomName(member));
  }

  override async rooms(): Promise<RoomSummary[]> {
    const names = await this.store.roomNames();
    const counts = await this.presence.counts(names);
    return names.map((name, i) => ({ name, members: counts[i]! }));
  }

  /** Leaves go out, the heartbeat stops, and the link closes. */
  async stop(): Promise<void> {
    await this.presence.stop();
    this.link.close();
  }

  /** Something arrived on the cluster's channel: deliver it to the members it concerns on this node. */
  private received(published: string): void {
    const parsed = parseEvent(published);
    if ("reason" in parsed) {
      log.warn(`redis: skipped something on the cluster's channel that is not an event of ours (${parsed.reason})`);
      return;
    }
    const event = parsed.event;
    switch (event.k) {
      case "m":
        return this.messages.received(event);
      case "n":
        return this.notify(this.occupied.get(event.room), event.text, event.except);
      case "w":
        return this.members.get(event.to)?.deliver(outgoing(event.r));
      case "x": {
        const member = this.members.get(event.name);
        if (!member) return;
        this.leave(member.username!, event.notice);
        return member.disconnect(error(event.farewell));
      }
      case "op":
        return this.onModeratorsChanged();
    }
  }

  private notify(room: Room | undefined, text: string, except: string | undefined): void {
    if (room) this.deliver(outgoing(info(text)), room, except === undefined ? undefined : this.members.get(except));
  }

  private localUsers() {
    return [...this.members.values()].map((member) => ({ name: member.username!, room: this.roomName(member), address: member.address }));
  }

  /** While Redis had lost this node's users, another node gave one of their names away: that user goes. */
  private lostName(name: string): void {
    const member = this.members.get(name);
    if (!member) return;
    log.warn(`presence: ${member.username}'s name was taken on another node while Redis was unreachable; disconnecting`);
    this.forget(name);
    member.disconnect(error("Your name was taken on another server while this one had lost its connection to the cluster. Please log in again."));
  }
}
