// The page's own logic without a browser: the message box's requests, name colours, and the side panel fed by a real server.
import { expect, test } from "bun:test";
import { nickClass, NICK_COLOURS } from "../../ktn/web/conversation.ts";
import { requestFor } from "../../ktn/web/input.ts";
import { Roster } from "../../ktn/web/roster.ts";
import { useServer } from "../support/conformance.ts";
import { MODERATOR_PASSWORD, useWebSockets, withModerator, type WsPeer } from "./ws-peer.ts";

const chat = useServer(withModerator);
const web = useWebSockets(chat);

test("the message box: plain text is a msg, /word rest any request, //text a message starting with a slash", () => {
  expect(requestFor("hello there")).toEqual({ request: "msg", content: "hello there" });
  expect(requestFor("  spaces kept  ")).toEqual({ request: "msg", content: "  spaces kept  " });
  expect(requestFor("/join dev")).toEqual({ request: "join", content: "dev" });
  expect(requestFor("/whisper bob hi there")).toEqual({ request: "whisper", content: "bob hi there" });
  expect(requestFor("/NAMES")).toEqual({ request: "names", content: null });
  expect(requestFor("/help   ")).toEqual({ request: "help", content: null });
  expect(requestFor("//shrug")).toEqual({ request: "msg", content: "/shrug" });
  expect(requestFor("   ")).toBeNull();
  expect(requestFor("/")).toBeNull();
});

test("a name's colour is the same in any case and spreads over every colour", () => {
  expect(nickClass("Alice")).toBe(nickClass("alice"));
  const used = new Set(Array.from({ length: 500 }, (_, i) => nickClass(`user${i}`)));
  expect(used.size).toBe(NICK_COLOURS);
});

/** Feeds every response the peer gets to the roster until `count` have arrived. */
async function feed(roster: Roster, peer: WsPeer, count: number): Promise<void> {
  for (const response of await peer.take(count)) roster.absorb(response);
}

test("the side panel follows what this server says: names, rooms, joins, moves, leaves and kicks", async () => {
  const roster = new Roster();
  const alice = await web.wsLoggedIn("alice");
  alice.send({ request: "names" });
  alice.send({ request: "rooms" });
  const [names, rooms] = await alice.take(2);
  expect([roster.absorb(names), roster.absorb(rooms)]).toEqual(["names", "rooms"]);
  expect(roster.people).toEqual(["alice"]);
  expect(roster.rooms).toEqual([{ name: "lobby", members: 1 }]);

  const bob = await chat.loggedIn("bob");
  const mod = await chat.connect();
  mod.send({ request: "login", content: `mod ${MODERATOR_PASSWORD}` });
  await mod.take(2);
  await feed(roster, alice, 2); // bob joined, mod joined
  expect(roster.people).toEqual(["alice", "bob", "mod"]);

  bob.send({ request: "join", content: "dev" });
  await feed(roster, alice, 1); // bob left for dev
  expect(roster.people).toEqual(["alice", "mod"]);

  const carol = await chat.loggedIn("carol");
  await feed(roster, alice, 1);
  expect(roster.people).toEqual(["alice", "mod", "carol"]);
  carol.send({ request: "logout" });
  await feed(roster, alice, 1);
  expect(roster.people).toEqual(["alice", "mod"]);

  await chat.loggedIn("troll");
  await feed(roster, alice, 1);
  mod.send({ request: "kick", content: "troll" });
  await feed(roster, alice, 1);
  expect(roster.people).toEqual(["alice", "mod"]);

  alice.send({ request: "join", content: "dev" });
  const [moved] = await alice.take(2);
  roster.absorb(moved);
  expect(roster.room).toBe("dev");
  expect(roster.people).toEqual([]);
  alice.send({ request: "names" });
  await feed(roster, alice, 1);
  expect(roster.people).toEqual(["bob", "alice"]);
});
