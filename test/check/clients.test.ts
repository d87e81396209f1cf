// `bun check.ts --serve PORT` grades a client: ours passes every check; broken fake clients fail exactly what they break.
import { expect, test } from "bun:test";
import { JsonStreamDecoder } from "../../ktn/protocol/framing.ts";
import { ClientProcess } from "../client/client-process.ts";
import { CheckProcess, notPassed, type JsonReport } from "./check-process.ts";

const LAST_HARD_CASE = /hard case 8\/8/;

/** Starts a grading server, lets `client` talk to it, and returns the report and exit code. */
async function gradeClient(client: (port: number) => Promise<void>) {
  const checker = new CheckProcess(["--serve", "0", "--json"]);
  await client(await checker.port());
  const { code, stdout, stderr } = await checker.finished;
  return { code, stderr, report: JSON.parse(stdout) as JsonReport };
}

test("our client, typing the course's inputs, passes every payload check and survives every hard case", async () => {
  const { code, report } = await gradeClient(async (port) => {
    const client = new ClientProcess(["127.0.0.1", String(port)]);
    client.type("login alice");
    await client.waitFor(LAST_HARD_CASE, 5000);
    for (const line of ["msg hi", "names", "help", "logout"]) client.type(line);
    client.end();
    expect((await client.exited()).code).toBe(0);
  });
  expect(notPassed(report)).toEqual([]);
  const detail = (id: string) => report.checks.find((check) => check.id === id)!.detail;
  expect(detail("payloads.shape")).toBe("5 payloads: login, msg, names, help, logout");
  expect(detail("payloads.msg")).toBe('{"request":"msg","content":"hi"}');
  expect(detail("hard-cases.numeric-timestamp")).toBe("the connection stayed open (case 8/8 on its screen shows how it drew it)");
  expect(detail("hard-cases.kept-reading")).toBe("it read everything it was sent, then closed");
  expect(code).toBe(0);
});

interface Script {
  /** Closes the connection on this response, as a client that crashes. */
  dies?: (response: any) => boolean;
  /** Stops reading from this response on but goes on sending, as a client whose reader thread threw. */
  deafens?: (response: any) => boolean;
}

/**
 * A scripted client: the login, then (once the hard cases are over, or at most 3 s later if it no
 * longer reads) the rest, one a moment apart; then it closes, as a course client exits after its logout.
 */
async function scriptedClient(port: number, payloads: string[], script: Script = {}): Promise<void> {
  const decoder = new JsonStreamDecoder(1 << 20);
  let waiting = true;
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(socket, chunk) {
        for (const frame of decoder.push(chunk)) {
          const response: any = frame.kind === "value" ? frame.value : null;
          if (script.dies?.(response)) socket.end();
          if (script.deafens?.(response)) socket.pause();
          if (LAST_HARD_CASE.test(String(response?.content))) waiting = false;
        }
      },
      close: () => void (closed = true),
    },
  });
  socket.write(payloads[0]!);
  for (let i = 0; i < 300 && waiting && !closed; i++) await Bun.sleep(10);
  for (const payload of payloads.slice(1)) {
    if (closed) break;
    socket.write(payload);
    await Bun.sleep(40);
  }
  await Bun.sleep(300);
  socket.end();
}

const bare = (request: string, content: unknown) => JSON.stringify({ request, content });
const COURSE = [bare("login", "bob"), bare("msg", "hi"), bare("names", null), bare("help", null), bare("logout", null)];

test.concurrent("a client that sends bare JSON, as course clients do, passes too", async () => {
  const { code, report } = await gradeClient((port) => scriptedClient(port, COURSE));
  expect(notPassed(report)).toEqual([]);
  expect(code).toBe(0);
});

test.concurrent('a client that keeps the word msg in the content fails only the msg check', async () => {
  const { code, report } = await gradeClient((port) => scriptedClient(port, COURSE.with(1, bare("msg", "msg hi"))));
  expect(notPassed(report)).toEqual([["payloads.msg", "fail"]]);
  const msg = report.checks.find((check) => check.id === "payloads.msg")!;
  expect(msg.detail).toBe('content is "msg hi"');
  expect(msg.evidence[0]!.entries[0]!.text).toBe('{"request":"msg","content":"msg hi"}');
  expect(code).toBe(1);
});

test.concurrent('a client that sends "" instead of null fails names, help and logout, and nothing else', async () => {
  const payloads = [bare("login", "bob"), bare("msg", "hi"), bare("names", ""), bare("help", ""), bare("logout", "")];
  const { code, report } = await gradeClient((port) => scriptedClient(port, payloads));
  expect(notPassed(report)).toEqual([
    ["payloads.names", "fail"],
    ["payloads.help", "fail"],
    ["payloads.logout", "fail"],
  ]);
  expect(code).toBe(1);
});

test.concurrent("a client that adds a key, or leaves content out, fails the payload shape", async () => {
  const payloads = [bare("login", "bob"), JSON.stringify({ request: "msg", content: "hi", sender: "bob" }), JSON.stringify({ request: "names" }), bare("help", null), bare("logout", null)];
  const { code, report } = await gradeClient((port) => scriptedClient(port, payloads));
  expect(notPassed(report)).toEqual([["payloads.shape", "fail"]]);
  expect(report.checks[0]!.detail).toBe("keys are content, request, sender (5 payloads: login, msg, names, help, logout)");
  expect(code).toBe(1);
});

test.concurrent("a client that dies on a history of objects fails that case; the cases after it were never put", async () => {
  const dies = (response: any) => response?.response === "history" && typeof response.content[0] === "object";
  const { code, report } = await gradeClient((port) => scriptedClient(port, COURSE, { dies }));
  expect(notPassed(report)).toEqual([
    ["payloads.msg", "warn"],
    ["payloads.names", "warn"],
    ["payloads.help", "warn"],
    ["payloads.logout", "warn"],
    ["hard-cases.history-objects", "fail"],
    ["hard-cases.history-empty", "warn"],
    ["hard-cases.history-long", "warn"],
    ["hard-cases.unknown-type", "warn"],
    ["hard-cases.numeric-timestamp", "warn"],
  ]);
  expect(report.checks.find((check) => check.id === "hard-cases.history-empty")!.detail).toBe("not put: the client had left");
  const objects = report.checks.find((check) => check.id === "hard-cases.history-objects")!;
  expect(objects.evidence[0]!.entries[0]!.text).toContain('"content":[{"timestamp":');
  expect(code).toBe(1);
});

test.concurrent("a client that dies on a numeric timestamp gets a warning for it (the timestamp is outside the standard)", async () => {
  const dies = (response: any) => typeof response?.timestamp === "number";
  const { code, report } = await gradeClient((port) => scriptedClient(port, COURSE, { dies }));
  expect(notPassed(report).filter(([id]) => id.startsWith("hard-cases."))).toEqual([["hard-cases.numeric-timestamp", "warn"]]);
  expect(report.checks.find((check) => check.id === "hard-cases.numeric-timestamp")!.detail).toMatch(/^the client closed the connection \d+ ms after it$/);
  expect(code).toBe(0);
});

test.concurrent("a client that stops reading but stays connected (a dead reader thread) is caught by how it closes", async () => {
  const deafens = (response: any) => /hard case 2\//.test(String(response?.content));
  const { code, report } = await gradeClient((port) => scriptedClient(port, COURSE, { deafens }));
  expect(notPassed(report)).toEqual([["hard-cases.kept-reading", "warn"]]);
  expect(report.checks.find((check) => check.id === "hard-cases.kept-reading")!.detail).toBe(
    "the connection was reset with responses still unread: the client stopped reading at some point",
  );
  expect(code).toBe(0);
});

test.concurrent("Ctrl-C before any client came ends the grading with what was seen: nothing to grade, exit 1", async () => {
  const checker = new CheckProcess(["--serve", "0", "--json"]);
  await checker.port();
  checker.signal("SIGINT");
  const { code, stdout } = await checker.finished;
  const report = JSON.parse(stdout) as JsonReport;
  expect(report.checks[0]).toMatchObject({ id: "payloads.shape", verdict: "fail", detail: "nothing to grade: no client connected, or it sent nothing" });
  expect(report.summary).toEqual({ passed: 0, failed: 1, warnings: report.checks.length - 1 });
  expect(code).toBe(1);
});
