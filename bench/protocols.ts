// Wire adapters for the load generator: how each target is logged into, how a message is sent, and
// how the end of the "logged in" answer is recognised. Every message payload is exactly
// PAYLOAD_BYTES ASCII bytes: `~#<cell>.<sender>.<seq>.<sendTimeUs>.` padded with `x`, so receivers of
// every protocol find it with one byte search (the marker `~#` needs no escaping in JSON or RESP).

export type Proto = "ktn" | "redis" | "raw";

export const PAYLOAD_BYTES = 100;
export const MARK = Buffer.from("~#");
const PAD = "x".repeat(PAYLOAD_BYTES);
const CHANNEL = "bench";

export interface Adapter {
  /** What a receiver sends to join (login / SUBSCRIBE / hello line). */
  rxHello(name: string): string;
  /** What a sender sends first, or null when it needs no hello (redis publishers). */
  txHello(name: string): string | null;
  /** Index just past the answer that completes a hello, or -1 when it has not fully arrived. */
  helloEnd(buf: Buffer): number;
  /** The bytes that publish one payload. */
  frame(payload: string): string;
}

export function payload(cell: number, sender: number, seq: number, sentUs: number): string {
  const head = `~#${cell}.${sender}.${seq}.${sentUs}.`;
  return head + PAD.slice(0, PAYLOAD_BYTES - head.length);
}

const KTN_HISTORY = Buffer.from('"response":"history"');
const REDIS_SUBSCRIBED = Buffer.from(`subscribe\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n:1\r\n`);
const RAW_OK = Buffer.from("ok\n");

function afterToken(buf: Buffer, token: Buffer): number {
  const at = buf.indexOf(token);
  return at < 0 ? -1 : at + token.length;
}

export const ADAPTERS: Record<Proto, Adapter> = {
  ktn: {
    rxHello: (name) => `{"request":"login","content":"${name}"}\n`,
    txHello: (name) => `{"request":"login","content":"${name}"}\n`,
    helloEnd(buf) {
      // The history response is one line; the JSON strings inside it carry no raw newline.
      const at = buf.indexOf(KTN_HISTORY);
      if (at < 0) return -1;
      const nl = buf.indexOf(10, at);
      return nl < 0 ? -1 : nl + 1;
    },
    frame: (p) => `{"request":"msg","content":"${p}"}\n`,
  },
  redis: {
    rxHello: () => `*2\r\n$9\r\nSUBSCRIBE\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n`,
    txHello: () => null,
    helloEnd: (buf) => afterToken(buf, REDIS_SUBSCRIBED),
    frame: (p) => `*3\r\n$7\r\nPUBLISH\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${p.length}\r\n${p}\r\n`,
  },
  raw: {
    rxHello: () => "R\n",
    txHello: () => "S\n",
    helloEnd: (buf) => afterToken(buf, RAW_OK),
    frame: (p) => `${p}\n`,
  },
};
