// whisper <user> <message>: a private message, to one user only; never broadcast and never stored.
import * as v from "valibot";
import { defineCommand, messageText } from "../ktn/server/command.ts";

const USAGE = "Say who and what: whisper <user> <message>.";

export default defineCommand({
  name: "whisper",
  usage: "whisper <user> <message>",
  summary: "Send a private message to one user",
  beforeLogin: false,
  content: (limits) =>
    v.pipe(
      v.string(USAGE),
      v.regex(/^\s*\S+\s+\S/, USAGE),
      v.transform((content) => {
        const [, recipient, text] = content.match(/^\s*(\S+)\s+([\s\S]*)$/)!;
        return { recipient: recipient!, text: text! };
      }),
      v.check(({ text }) => v.is(messageText(limits.maxMessageChars), text), `Messages are at most ${limits.maxMessageChars} characters.`),
    ),
  run(ctx, { recipient, text }) {
    return ctx.whisper(recipient, text);
  },
});
