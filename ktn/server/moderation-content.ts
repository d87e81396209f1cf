// Content schemas shared by the moderator commands: a target user, then optional words.
import * as v from "valibot";

const TARGET = "Name a user.";

/** `<user> [reason]` as { user, rest }. */
export const userAndRest = v.pipe(
  v.string(TARGET),
  v.trim(),
  v.nonEmpty(TARGET),
  v.transform((content) => {
    const [user, ...rest] = content.split(/\s+/);
    return { user: user!, rest: rest.join(" ") };
  }),
);

/** `<user>` alone. */
export const userOnly = v.pipe(v.string(TARGET), v.trim(), v.regex(/^\S+$/, TARGET));
