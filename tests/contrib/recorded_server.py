"""A real HTTP server on 127.0.0.1 that answers from a table of recorded replies.

Tests register replies per path (and optionally per method); a path's replies are served in
order and the last one repeats, so "500 then 200" is two replies. Every request is logged
with its start and end times, which lets tests check retries, politeness and concurrency
from the server's side.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    content_type: str = "application/json"


def fixture_reply(name: str, content_type: str = "application/json", status: int = 200) -> Reply:
    return Reply(status, (FIXTURES / name).read_bytes(), content_type=content_type)


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    started: float
    ended: float
    user_agent: str


class RecordedServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[tuple[str | None, str], list[Reply]] = {}
        self.served: dict[tuple[str | None, str], int] = {}
        self.log: list[Logged] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server._answer(self, "GET")

            def do_HEAD(self) -> None:
                server._answer(self, "HEAD")

            def log_message(self, format: str, *args: object) -> None:  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.httpd.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply, method: str | None = None) -> None:
        self.routes[(method, path)] = list(replies)

    def requests_to(self, path: str) -> list[Logged]:
        return [entry for entry in self.log if entry.path == path or entry.path.split("?")[0] == path]

    def _pick(self, method: str, path: str) -> Reply:
        with self._lock:
            for key in ((method, path), (None, path), (method, path.split("?")[0]), (None, path.split("?")[0])):
                if key in self.routes:
                    replies = self.routes[key]
                    index = self.served.get(key, 0)
                    self.served[key] = index + 1
                    return replies[min(index, len(replies) - 1)]
        return Reply(404, b'{"error": "not found"}')

    def _answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        started = time.monotonic()
        reply = self._pick(method, handler.path)
        if reply.delay:
            time.sleep(reply.delay)
        # Logged before answering, so a test that has its answer always finds the request in the log.
        agent = handler.headers.get("User-Agent", "")
        with self._lock:
            self.log.append(Logged(method, handler.path, started, time.monotonic(), agent))
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            if method != "HEAD":
                handler.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to tell it

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
