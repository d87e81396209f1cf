// The side panel's facts: the current room, who is in it, and the rooms there are, kept current from what the server says.
//
// The page reads this server's notices (their wording is pinned by the test suite); a notice it does
// not recognise changes nothing, and the next `names` or `rooms` answer sets things right.
import { SERVER_SENDER, type Response } from "../protocol/responses.ts";

export interface RoomEntry {
  name: string;
  members: number;
}

/** What a response was to the roster: the answer to `names` or `rooms`, or anything else. */
export type Absorbed = "names" | "rooms" | null;

const NAMES = /^\d+ users? in .+?: (.*)$/;
const ROOMS = /^\d+ rooms?: (.*)\. You are in (\S+)\.$/;
const ROOM_ENTRY = /^(\S+) \((\d+)\)$/;
const ARRIVED = /^(\S+) joined (?:the chat|\S+)\.$/;
const DEPARTED = /^(\S+) (?:left the chat\.|left for \S+\.|was kicked by |was banned )/;

export class Roster {
  room = "lobby";
  people: string[] = [];
  rooms: RoomEntry[] = [];
  /** Counts changes, so the panel is drawn again only when something in it changed. */
  revision = 0;

  /** Updates the facts from one response and says whether it answered `names` or `rooms`. */
  absorb(response: Response): Absorbed {
    if (response.sender !== SERVER_SENDER || response.response !== "info" || typeof response.content !== "string") return null;
    if (typeof response.room === "string") this.moved(response.room);
    const text = response.content;
    let match;
    if ((match = text.match(NAMES))) {
      this.people = match[1]!.split(", ").filter(Boolean);
      this.revision++;
      return "names";
    }
    if ((match = text.match(ROOMS))) {
      this.revision++;
      this.rooms = match[1]!.split(", ").flatMap((entry) => {
        const room = entry.match(ROOM_ENTRY);
        return room ? [{ name: room[1]!, members: Number(room[2]) }] : [];
      });
      this.room = match[2]!;
      return "rooms";
    }
    if ((match = text.match(ARRIVED)) && !this.has(match[1]!)) {
      this.people.push(match[1]!);
      this.revision++;
    } else if ((match = text.match(DEPARTED))) {
      const gone = match[1]!.toLowerCase();
      this.people = this.people.filter((name) => name.toLowerCase() !== gone);
      this.revision++;
    }
    return null;
  }

  /** Logged in again or moved: the room starts empty until `names` answers. */
  moved(room: string): void {
    this.room = room;
    this.people = [];
    this.revision++;
  }

  private has(name: string): boolean {
    return this.people.some((person) => person.toLowerCase() === name.toLowerCase());
  }
}
