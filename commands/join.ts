// join <room>: move to a room, creating it if missing; the answer is an info, then the room's history.
import { defineCommand, nameContent } from "../ktn/server/command.ts";

export default defineCommand({
  name: "join",
  usage: "join <room>",
  summary: "Go to a room (created if missing); msg then goes there",
  beforeLogin: false,
  content: (limits) => nameContent("room name", limits.maxUsernameChars),
  run(ctx, room) {
    return ctx.joinRoom(room);
  },
});
