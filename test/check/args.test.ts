// `bun check.ts` exit codes: 2 for bad arguments and for a server that cannot be reached; --help exits 0.
import { expect, test } from "bun:test";
import { runCheck } from "./check-process.ts";

/** A port nothing listens on: one the kernel just gave us and we gave back. */
function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

for (const [args, reason] of [
  [[], /give the server's HOST and PORT/],
  [["127.0.0.1"], /give the server's HOST and PORT/],
  [["127.0.0.1", "99999"], /the port is a number from 1 to 65535, not '99999'/],
  [["127.0.0.1", "9998", "extra"], /unexpected argument 'extra'/],
  [["127.0.0.1", "9998", "--timeout", "5"], /--timeout is in ms, from 100 to 60000, not '5'/],
  [["127.0.0.1", "9998", "--colour"], /Unknown option '--colour'/],
  [["--serve", "x"], /the port is a number from 0 to 65535, not 'x'/],
  [["--serve", "0", "--timeout", "500"], /--timeout is for grading a server/],
  [["--host", "0.0.0.0", "127.0.0.1", "9998"], /--host goes with --serve/],
] as const) {
  test.concurrent(`bad arguments exit 2: ${args.join(" ") || "(none)"}`, async () => {
    const { code, stdout, stderr } = await runCheck([...args]);
    expect(stderr).toMatch(reason);
    expect(stderr).toContain("Usage: bun check.ts HOST PORT");
    expect(stdout).toBe("");
    expect(code).toBe(2);
  });
}

test.concurrent("a server that cannot be reached exits 2 and says so", async () => {
  const port = freePort();
  const { code, stdout, stderr } = await runCheck(["127.0.0.1", String(port), "--json"]);
  expect(stderr).toBe(`cannot reach 127.0.0.1:${port}: ECONNREFUSED\n`);
  expect(stdout).toBe("");
  expect(code).toBe(2);
});

test.concurrent("a grading server that cannot listen exits 2 and says so", async () => {
  const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const { code, stderr } = await runCheck(["--serve", String(taken.port)]);
    expect(stderr).toMatch(new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${taken.port}: `));
    expect(code).toBe(2);
  } finally {
    taken.stop(true);
  }
});

test.concurrent("--help prints the usage and exits 0", async () => {
  const { code, stdout } = await runCheck(["--help"]);
  expect(stdout).toContain("Usage: bun check.ts HOST PORT [--json] [--timeout MS] [--no-color]");
  expect(stdout).toContain("bun check.ts --serve PORT");
  expect(code).toBe(0);
});
