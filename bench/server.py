"""The real server in a subprocess (``guanxi serve`` on 127.0.0.1) and an API token for it."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

import httpx
import orjson

from bench.generate import ADMIN_EMAIL, Dataset
from guanxi.platform.access.users import create_token, user_by_email

READY_TIMEOUT_S = 60.0
IDLE_S = 3.0  # uvicorn closes keep-alive connections idle for 5 s
LOG_LEVEL = "warning"  # no per-request access log: the measurement is the app, not logging


@dataclass(frozen=True)
class Server:
    base_url: str
    token: str
    pid: int
    log_path: Path

    def client(self, timeout: float = 120.0, token: str | None = None) -> Client:
        """A keep-alive client authenticated with the bench token (or another user's)."""
        bearer = token or self.token
        return Client(self.base_url, {"Authorization": f"Bearer {bearer}"}, timeout)


@dataclass(frozen=True)
class Reply:
    method: str
    url: str
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return orjson.loads(self.content)


class Client:
    """One keep-alive HTTP/1.1 connection from the standard library.

    The benchmark client shares the machine's cores with the server, so it should cost as
    little as it can: ``http.client`` spends about 0.3 ms less per request than
    ``httpx.Client`` here (0.7 vs 1.2 ms for ``/health``), time that would otherwise be
    counted against the API.
    """

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float) -> None:
        parts = urlsplit(base_url)
        self._conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
        self._base = base_url
        self._headers = headers
        self._used = time.monotonic()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def get(self, path: str, params: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path + (f"?{urlencode(params)}" if params else ""))

    def post(
        self,
        path: str,
        content: bytes | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        if json is not None:
            content = orjson.dumps(json)
            headers = {"content-type": "application/json", **(headers or {})}
        return self.request("POST", path, content, headers)

    def request(
        self,
        method: str,
        path: str,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        if time.monotonic() - self._used > IDLE_S:
            self._conn.close()  # the server drops idle keep-alive connections; start afresh
        self._conn.request(method, path, body=content, headers={**self._headers, **(headers or {})})
        response = self._conn.getresponse()
        reply = Reply(method, self._base + path, response.status, response.read())
        self._used = time.monotonic()
        return reply


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_token(dataset: Dataset, user_id: UUID | None = None) -> str:
    """A new API token for a user, by default the data set's administrator (removed again
    by ``reset``)."""
    db = dataset.target.database()
    try:
        with db.write() as conn:
            if user_id is None:
                user_id = user_by_email(conn, ADMIN_EMAIL).id
            _, secret = create_token(conn, user_id, name="bench", now=datetime.now(UTC))
    finally:
        db.dispose()
    return secret


def server_env(dataset: Dataset) -> dict[str, str]:
    env = dict(os.environ)
    for key in [k for k in env if k.startswith("GUANXI_")]:
        del env[key]
    env["GUANXI_DATABASE_URL"] = dataset.target.url
    if dataset.target.schema:
        env["GUANXI_DATABASE_SCHEMA"] = dataset.target.schema
    env["GUANXI_LOG_LEVEL"] = LOG_LEVEL
    env["GUANXI_REGISTRATION_DUPLICATES"] = "off"  # see bench/__init__.py
    # Pages and writes are measured alone, as before jobs ran in the server (ADR 0029);
    # bench.timers measures the consumer.
    env["GUANXI_QUEUE_CONSUMER"] = "false"
    return env


@contextmanager
def running_server(
    dataset: Dataset, log_dir: Path, workers: int = 1, settings: dict[str, str] | None = None
) -> Iterator[Server]:
    """``guanxi serve`` (one uvicorn worker unless told) on a free loopback port, stopped
    afterwards; ``settings`` are extra ``GUANXI_*`` variables."""
    port = free_port()
    token = make_token(dataset)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"server-{dataset.target.kind}-{workers}.log"
    guanxi = Path(sys.executable).with_name("guanxi")
    cmd = [
        str(guanxi),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**server_env(dataset), **(settings or {})},
            cwd=log_dir,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, base_url, log_path)
        yield Server(base_url, token, proc.pid, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server is not ready after {READY_TIMEOUT_S:.0f} s")
        time.sleep(0.1)
