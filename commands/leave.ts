// leave: go back to the lobby, where everyone starts.
import { defineCommand, noContent } from "../ktn/server/command.ts";
import { LOBBY } from "../ktn/server/engine/store.ts";

export default defineCommand({
  name: "leave",
  usage: "leave",
  summary: `Go back to the ${LOBBY}`,
  beforeLogin: false,
  content: noContent,
  run(ctx) {
    return ctx.joinRoom(LOBBY);
  },
});
