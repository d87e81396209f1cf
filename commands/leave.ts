// leave: go back to the lobby, where everyone starts.
import { defineCommand, noContent } from "../ktn/command.ts";
import { LOBBY } from "../ktn/store.ts";

export default defineCommand({
  name: "leave",
  usage: "leave",
  summary: `Go back to the ${LOBBY}`,
  beforeLogin: false,
  content: noContent,
  run(ctx) {
    ctx.joinRoom(LOBBY);
  },
});
