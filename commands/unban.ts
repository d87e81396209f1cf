// unban <user>: a moderator lifts every ban issued against a user, by name and by address.
import { defineCommand } from "../ktn/server/command.ts";
import { userOnly } from "../ktn/server/moderation-content.ts";

export default defineCommand({
  name: "unban",
  usage: "unban <user>",
  summary: "Lift a user's bans",
  beforeLogin: false,
  moderatorOnly: true,
  content: userOnly,
  run(ctx, user) {
    return ctx.moderate.unban(user);
  },
});
