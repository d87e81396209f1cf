#!/usr/bin/env python3
"""BASELINE, not the product: the course's reference architecture for the KTN protocol.

socketserver.ThreadingTCPServer with one thread per client, as in the TTM4100 skeleton:
`python3 bench/ktn_threading_server.py --port P`. Requests are decoded incrementally (bare JSON
or newline-terminated); each response is one compact JSON object plus a newline. login answers with
an info and a history (a list of JSON-encoded message strings); msg is broadcast to every logged-in
client, author included; names, help and logout as in the protocol. Like the course reference it
has no join/leave notices, no legacy pacing and no slow-consumer limit.
"""
import argparse
import json
import re
import socketserver
import threading
from datetime import datetime, timezone

USERNAME = re.compile(r"^[A-Za-z0-9]{1,32}$")
HISTORY_LIMIT = 1000

lock = threading.Lock()
clients = {}  # lowercased username -> handler
history = []  # JSON-encoded message responses


def stamp():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode(response_type, content, sender="server"):
    return (json.dumps({"timestamp": stamp(), "sender": sender, "response": response_type, "content": content},
                       separators=(",", ":")) + "\n").encode()


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.username = None
        self.send_lock = threading.Lock()

    def send(self, data):
        with self.send_lock:
            try:
                self.request.sendall(data)
            except OSError:
                pass

    def handle(self):
        decoder = json.JSONDecoder()
        text = ""
        raw = b""
        while True:
            try:
                chunk = self.request.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            raw += chunk
            try:
                text += raw.decode()
                raw = b""
            except UnicodeDecodeError:
                continue  # a multi-byte character split over reads
            while True:
                text = text.lstrip()
                if not text:
                    break
                try:
                    value, end = decoder.raw_decode(text)
                except json.JSONDecodeError:
                    if len(text) > 65536:
                        self.send(encode("error", "Request too large."))
                        return
                    break
                text = text[end:]
                if not self.dispatch(value):
                    return

    def dispatch(self, value):
        if not isinstance(value, dict) or not isinstance(value.get("request"), str):
            self.send(encode("error", "Requests are JSON objects with a request string."))
            return True
        request = value["request"].strip().lower()
        content = value.get("content")
        if request == "login":
            name = content.strip() if isinstance(content, str) else ""
            if not USERNAME.match(name) or name.lower() == "server":
                self.send(encode("error", "Invalid username."))
                return True
            with lock:
                if self.username is not None or name.lower() in clients:
                    taken = True
                else:
                    taken = False
                    clients[name.lower()] = self
                    self.username = name
                    past = list(history)
            if taken:
                self.send(encode("error", "Username taken or already logged in."))
            else:
                self.send(encode("info", "Login successful."))
                self.send(encode("history", past))
        elif request == "help":
            self.send(encode("info", "Requests: login <username>, logout, msg <message>, names, help"))
        elif self.username is None:
            self.send(encode("error", "Log in first."))
        elif request == "msg":
            if not isinstance(content, str) or not content.strip():
                self.send(encode("error", "A message is needed."))
                return True
            data = encode("message", content, self.username)
            with lock:
                history.append(data[:-1].decode())
                if len(history) > HISTORY_LIMIT:
                    del history[0]
                members = list(clients.values())
            for member in members:
                member.send(data)
        elif request == "names":
            with lock:
                names = [member.username for member in clients.values()]
            self.send(encode("info", ", ".join(names)))
        elif request == "logout":
            self.send(encode("info", "Goodbye."))
            return False
        else:
            self.send(encode("error", "Unknown request."))
        return True

    def finish(self):
        with lock:
            if self.username is not None and clients.get(self.username.lower()) is self:
                del clients[self.username.lower()]


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 4096


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9998)
    args = parser.parse_args()
    with Server(("127.0.0.1", args.port), Handler) as server:
        print(f"python baseline listening on 127.0.0.1:{server.server_address[1]}", flush=True)
        server.serve_forever()
