// login <username>: take a name and join the chat; the answer is an info, then the history.
import * as v from "valibot";
import { defineCommand } from "../ktn/command.ts";

export default defineCommand({
  name: "login",
  usage: "login <username>",
  summary: "Log in with the given username (letters A-Z, a-z and digits 0-9)",
  beforeLogin: true,
  content: (limits) =>
    v.pipe(
      v.string("A username is needed."),
      v.trim(),
      v.nonEmpty("A username is needed."),
      v.maxLength(limits.maxUsernameChars, `Usernames are at most ${limits.maxUsernameChars} characters.`),
      v.regex(/^[A-Za-z0-9]+$/, "Usernames may only contain the letters A-Z, a-z and the digits 0-9."),
    ),
  run(ctx, username) {
    ctx.login(username);
  },
});
