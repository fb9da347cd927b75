"""A real HTTP receiver on 127.0.0.1 for webhook tests: it keeps every request it gets
and answers with the statuses it is told to, then 200."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOST = 0  # the status kept for a request whose body was cut off


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses to give first, in order
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[Request]:
        """What a receiver that acts once per Idempotency-Key would have acted on."""
        seen: set[str] = set()
        once = []
        for request in self.requests_answered(200):
            key = request.headers["idempotency-key"]
            if key not in seen:
                seen.add(key)
                once.append(request)
        return once

    def requests_answered(self, status: int) -> list[Request]:
        with self.lock:
            return [r for r, s in zip(self.requests, self._statuses, strict=True) if s == status]

    _statuses: list[int] = field(default_factory=list)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            # A sender killed mid-request leaves a short body on a closed connection: a
            # real receiver rejects it, and nobody is there to read an answer.
            cut = len(body) < length
            with receiver.lock:
                status = LOST if cut else receiver.answers.pop(0) if receiver.answers else 200
                receiver.requests.append(
                    Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                receiver._statuses.append(status)
            if cut:
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/guanxi"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
