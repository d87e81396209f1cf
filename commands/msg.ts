// msg <message>: send a message to everyone in your room, yourself included.
import { defineCommand, messageText } from "../ktn/server/command.ts";

export default defineCommand({
  name: "msg",
  usage: "msg <message>",
  summary: "Send a message to everyone in your room",
  beforeLogin: false,
  content: (limits) => messageText(limits.maxMessageChars),
  run(ctx, content) {
    ctx.post(content);
  },
});
