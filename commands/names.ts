// names: list the users in your room (for course clients, who never leave the lobby: everyone).
import { after } from "../ktn/server/awaitable.ts";
import { defineCommand, noContent } from "../ktn/server/command.ts";
import { info } from "../ktn/protocol/responses.ts";
import { LOBBY } from "../ktn/server/engine/store.ts";

export default defineCommand({
  name: "names",
  usage: "names",
  summary: "List the users in your room",
  beforeLogin: false,
  content: noContent,
  run(ctx) {
    return after(ctx.names(), (names) => {
      const where = ctx.room === LOBBY ? "the chat" : ctx.room;
      ctx.reply(info(`${names.length} user${names.length === 1 ? "" : "s"} in ${where}: ${names.join(", ")}`));
    });
  },
});
