// names: list the users who are logged in.
import { defineCommand, noContent } from "../ktn/command.ts";
import { info } from "../ktn/responses.ts";

export default defineCommand({
  name: "names",
  usage: "names",
  summary: "List the users in the chat",
  beforeLogin: false,
  content: noContent,
  run(ctx) {
    const names = ctx.names();
    ctx.reply(info(`${names.length} user${names.length === 1 ? "" : "s"} in the chat: ${names.join(", ")}`));
  },
});
