// op <user>: a moderator makes a registered user a moderator too.
import { defineCommand } from "../ktn/server/command.ts";
import { userOnly } from "../ktn/server/moderation-content.ts";

export default defineCommand({
  name: "op",
  usage: "op <user>",
  summary: "Make a registered user a moderator",
  beforeLogin: false,
  moderatorOnly: true,
  content: userOnly,
  run(ctx, user) {
    return ctx.moderate.op(user);
  },
});
