// logout: leave the chat; the server answers with an info and closes the connection.
import { defineCommand, noContent } from "../ktn/server/command.ts";

export default defineCommand({
  name: "logout",
  usage: "logout",
  summary: "Log out and disconnect",
  beforeLogin: false,
  content: noContent,
  run(ctx) {
    ctx.logout();
  },
});
