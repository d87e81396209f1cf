// kick <user> [reason]: a moderator disconnects a user; the room is told why.
import { defineCommand } from "../ktn/server/command.ts";
import { userAndRest } from "../ktn/server/moderation-content.ts";

export default defineCommand({
  name: "kick",
  usage: "kick <user> [reason]",
  summary: "Disconnect a user",
  beforeLogin: false,
  moderatorOnly: true,
  content: userAndRest,
  run(ctx, { user, rest }) {
    return ctx.moderate.kick(user, rest);
  },
});
