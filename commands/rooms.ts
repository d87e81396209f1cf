// rooms: list the rooms and how many people are in each.
import { after } from "../ktn/server/awaitable.ts";
import { defineCommand, noContent } from "../ktn/server/command.ts";
import { info } from "../ktn/protocol/responses.ts";

export default defineCommand({
  name: "rooms",
  usage: "rooms",
  summary: "List the rooms and how many are in each",
  beforeLogin: false,
  content: noContent,
  run(ctx) {
    return after(ctx.rooms(), (rooms) => {
      const list = rooms.map((room) => `${room.name} (${room.members})`);
      ctx.reply(info(`${list.length} room${list.length === 1 ? "" : "s"}: ${list.join(", ")}. You are in ${ctx.room}.`));
    });
  },
});
