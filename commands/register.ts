// register <password>: claim the name you are logged in with; from then on login needs the password.
import * as v from "valibot";
import { PASSWORD_RULE } from "../ktn/server/accounts.ts";
import { defineCommand } from "../ktn/server/command.ts";

export default defineCommand({
  name: "register",
  usage: "register <password>",
  summary: "Claim your name with a password (use TLS so it is not sent in clear)",
  beforeLogin: false,
  content: v.pipe(
    v.string("A password is needed."),
    v.trim(),
    v.minLength(PASSWORD_RULE.min, `Passwords are at least ${PASSWORD_RULE.min} characters.`),
    v.maxLength(PASSWORD_RULE.max, `Passwords are at most ${PASSWORD_RULE.max} characters.`),
  ),
  run(ctx, password) {
    return ctx.register(password);
  },
});
