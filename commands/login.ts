// login <username> [password]: take a name and join the chat; the answer is an info, then the history.
// A name someone registered needs its password, as the content's second word.
import * as v from "valibot";
import { defineCommand, nameContent } from "../ktn/server/command.ts";

export default defineCommand({
  name: "login",
  usage: "login <username> [password]",
  summary: "Log in with the given username (letters A-Z, a-z and digits 0-9); a registered name needs its password",
  beforeLogin: true,
  content: (limits) =>
    v.pipe(
      v.string("A username is needed."),
      v.trim(),
      v.transform((content) => {
        const space = content.search(/\s/);
        return space < 0
          ? { username: content, password: null }
          : { username: content.slice(0, space), password: content.slice(space).trim() };
      }),
      v.object({ username: nameContent("username", limits.maxUsernameChars), password: v.nullable(v.string()) }),
    ),
  run(ctx, { username, password }) {
    return ctx.login(username, password);
  },
});
