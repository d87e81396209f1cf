// BASELINE, not the product: a minimal raw Bun re-broadcast server, no JSON — the runtime's ceiling.
// `bun bench/raw-server.ts --port P`. A connection's first line says what it is: `R` (receiver) or
// `S` (sender); both get `ok`. Every complete line a sender writes goes to every receiver, batched per
// receiver once per event-loop turn (as ktn/server/writer.ts does), with a per-connection queue for drain.
import type { Socket } from "bun";

interface Peer {
  role: "?" | "R" | "S";
  partial: Buffer | null;
  queue: Buffer[];
  unsent: Buffer | null;
}

const portArg = Bun.argv.indexOf("--port");
const port = portArg > 0 ? Number(Bun.argv[portArg + 1]) : 0;
const receivers = new Set<Socket<Peer>>();
const pending = new Set<Socket<Peer>>();
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  for (const socket of pending) flush(socket);
  pending.clear();
}

function flush(socket: Socket<Peer>): void {
  const peer = socket.data;
  if (peer.unsent || peer.queue.length === 0) return;
  const bytes = peer.queue.length === 1 ? peer.queue[0]! : Buffer.concat(peer.queue);
  peer.queue = [];
  const taken = socket.write(bytes);
  if (taken >= 0 && taken < bytes.length) peer.unsent = bytes.subarray(taken);
}

function send(socket: Socket<Peer>, bytes: Buffer): void {
  socket.data.queue.push(bytes);
  pending.add(socket);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

const OK = Buffer.from("ok\n");

const server = Bun.listen<Peer>({
  hostname: "127.0.0.1",
  port,
  socket: {
    open(socket) {
      socket.data = { role: "?", partial: null, queue: [], unsent: null };
    },
    data(socket, chunk) {
      const peer = socket.data;
      let buf = peer.partial ? Buffer.concat([peer.partial, chunk]) : (chunk as Buffer);
      peer.partial = null;
      if (peer.role === "?") {
        const nl = buf.indexOf(10);
        if (nl < 0) return void (peer.partial = Buffer.from(buf));
        peer.role = buf[0] === 0x52 ? "R" : "S";
        if (peer.role === "R") receivers.add(socket);
        send(socket, OK);
        buf = buf.subarray(nl + 1);
      }
      if (peer.role !== "S" || buf.length === 0) return;
      const last = buf.lastIndexOf(10);
      if (last < buf.length - 1) peer.partial = Buffer.from(buf.subarray(last + 1));
      if (last < 0) return;
      const lines = Buffer.from(buf.subarray(0, last + 1));
      for (const receiver of receivers) send(receiver, lines);
    },
    drain(socket) {
      const peer = socket.data;
      if (!peer.unsent) return;
      const rest = peer.unsent;
      peer.unsent = null;
      const taken = socket.write(rest);
      if (taken >= 0 && taken < rest.length) peer.unsent = rest.subarray(taken);
      else flush(socket);
    },
    close(socket) {
      receivers.delete(socket);
      pending.delete(socket);
    },
    error() {},
  },
});
console.log(`raw baseline listening on 127.0.0.1:${server.port}`);
