// Conformance, docs/protocol.md §1 transport: TCP on port 9998 by default, one UTF-8 JSON object per payload.
import { expect, test } from "bun:test";
import { DEFAULT_LIMITS } from "../../ktn/server/limits.ts";
import { parseServerArgs } from "../../ktn/server/options.ts";
import { expectResponse, message, useServer } from "../support/conformance.ts";

const chat = useServer();

test("the server listens on port 9998 unless told otherwise", () => {
  expect(parseServerArgs([])?.port).toBe(9998);
});

test("a legacy peer's read is taken to be 4096 bytes unless told otherwise", () => {
  expect(DEFAULT_LIMITS.legacyMaxBytes).toBe(4096);
  expect(parseServerArgs([])?.limits.legacyMaxBytes).toBe(4096);
});

test("non-ASCII text goes out as raw UTF-8, one JSON object per line", async () => {
  const alice = await chat.loggedIn("alice");
  alice.send({ request: "msg", content: "blåbærsyltetøy 😀" });
  expectResponse(await alice.next(), message("alice", "blåbærsyltetøy 😀"));
  const wire = Buffer.concat(alice.reads.map((read) => read.bytes));
  expect(wire.includes(Buffer.from('"content":"blåbærsyltetøy 😀","id":1}\n', "utf8"))).toBe(true);
});
