// ban <user> [minutes] [reason]: a moderator bans a user's name and address, for good or for a while.
import * as v from "valibot";
import { defineCommand } from "../ktn/server/command.ts";
import { userAndRest } from "../ktn/server/moderation-content.ts";

export default defineCommand({
  name: "ban",
  usage: "ban <user> [minutes] [reason]",
  summary: "Ban a user's name and address (for good, or for some minutes)",
  beforeLogin: false,
  moderatorOnly: true,
  content: v.pipe(
    userAndRest,
    v.transform(({ user, rest }) => {
      const minutes = rest.match(/^(\d+(?:\.\d+)?)(?:\s+|$)/);
      return { user, minutes: minutes ? Number(minutes[1]) : null, reason: minutes ? rest.slice(minutes[0].length) : rest };
    }),
    v.check(({ minutes }) => minutes === null || minutes > 0, "A ban lasts more than 0 minutes (leave the minutes out for a ban for good)."),
  ),
  run(ctx, { user, minutes, reason }) {
    return ctx.moderate.ban(user, minutes, reason);
  },
});
