// delete <message-id>: a moderator removes a message from history (message responses carry its id).
import * as v from "valibot";
import { defineCommand } from "../ktn/server/command.ts";

export default defineCommand({
  name: "delete",
  usage: "delete <message-id>",
  summary: "Remove a message from history",
  beforeLogin: false,
  moderatorOnly: true,
  content: v.pipe(
    v.union([v.string(), v.number()], "Give the message's id."),
    v.transform(String),
    v.regex(/^\s*\d+\s*$/, "A message id is a whole number."),
    v.transform(Number),
  ),
  run(ctx, id) {
    return ctx.moderate.deleteMessage(id);
  },
});
