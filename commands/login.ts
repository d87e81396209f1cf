// login <username>: take a name and join the chat; the answer is an info, then the history.
import { defineCommand, nameContent } from "../ktn/command.ts";

export default defineCommand({
  name: "login",
  usage: "login <username>",
  summary: "Log in with the given username (letters A-Z, a-z and digits 0-9)",
  beforeLogin: true,
  content: (limits) => nameContent("username", limits.maxUsernameChars),
  run(ctx, username) {
    ctx.login(username);
  },
});
