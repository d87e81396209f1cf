// help: the list of requests, generated from the loaded command modules.
import { defineCommand, noContent } from "../ktn/server/command.ts";
import { helpText } from "../ktn/server/registry.ts";
import { info } from "../ktn/protocol/responses.ts";

export default defineCommand({
  name: "help",
  usage: "help",
  summary: "Show this help text",
  beforeLogin: true,
  content: noContent,
  run(ctx) {
    ctx.reply(info(helpText(ctx.commands)));
  },
});
