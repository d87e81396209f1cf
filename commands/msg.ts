// msg <message>: broadcast a message to everyone logged in, its author included.
import * as v from "valibot";
import { defineCommand } from "../ktn/command.ts";

export default defineCommand({
  name: "msg",
  usage: "msg <message>",
  summary: "Send a message to everyone in the chat",
  beforeLogin: false,
  content: (limits) =>
    v.pipe(
      v.string("A message is needed."),
      v.check((text) => text.trim().length > 0, "The message is empty."),
      v.maxLength(limits.maxMessageChars, `Messages are at most ${limits.maxMessageChars} characters.`),
    ),
  run(ctx, content) {
    ctx.post(content);
  },
});
