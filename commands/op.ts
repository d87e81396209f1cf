// op <user>: a moderator makes a registered user a moderator too.
import { defineCommand } from "../ktn/command.ts";
import { userOnly } from "../ktn/moderation-content.ts";

export default defineCommand({
  name: "op",
  usage: "op <user>",
  summary: "Make a registered user a moderator",
  beforeLogin: false,
  moderatorOnly: true,
  content: userOnly,
  run(ctx, user) {
    ctx.moderate.op(user);
  },
});
