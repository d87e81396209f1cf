// deop <user>: a moderator takes moderation away from a user.
import { defineCommand } from "../ktn/server/command.ts";
import { userOnly } from "../ktn/server/moderation-content.ts";

export default defineCommand({
  name: "deop",
  usage: "deop <user>",
  summary: "Take moderation away from a user",
  beforeLogin: false,
  moderatorOnly: true,
  content: userOnly,
  run(ctx, user) {
    return ctx.moderate.deop(user);
  },
});
