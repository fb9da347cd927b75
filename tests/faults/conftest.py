"""A real ``guanxi`` server process on each database, for tests that kill it or load it.

The server runs as ``python -m uvicorn guanxi.asgi:app`` in a child process, configured by
GUANXI_* variables the way ``guanxi serve`` is, on a free loopback port. The database is a
fresh SQLite file or a fresh PostgreSQL schema, migrated in this process first; the tests
read it directly (``Server.db``) to judge what the server left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from guanxi.bootstrap import migrate
from guanxi.kernel.clock import SystemClock
from guanxi.kernel.db import Database
from guanxi.platform.access.users import create_token, create_user
from tests.conftest import PG_URL, require_postgres

SRC = Path(__file__).resolve().parents[2] / "src"
START_TIMEOUT = 60.0  # seconds; a cold start imports the whole app on a busy machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running server process, the database it serves and an administrator's client."""

    kind: str
    db: Database
    env: dict[str, str]
    token: str
    log: Path
    process: subprocess.Popen[bytes] | None = None
    base_url: str = ""
    schema: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def start(self) -> None:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}/api/v1"
        command = [sys.executable, "-m", "uvicorn", "guanxi.asgi:app", "--host", "127.0.0.1"]
        # The command is this interpreter and fixed arguments: nothing untrusted.
        self.process = subprocess.Popen(  # noqa: S603
            [*command, "--port", str(port), "--log-level", "warning"],
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        with self.client() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    pytest.fail(f"server exited at start: {self.log.read_text()[-2000:]}")
                try:
                    if client.get("/meta/objects").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)  # a child process starting: nothing to wait on but time
        pytest.fail(f"server did not answer within {START_TIMEOUT} s: {self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no rollback by the server, as a power cut."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def client(self, timeout: float = 120.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=timeout,
        )

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        with self.client() as client:
            response = client.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A migrated database with an administrator, served by a real server process."""
    kind: str = request.param
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "GUANXI_FILES_DIR": str(tmp_path / "files"),
        # No indexer thread: its writes would take SQLite's write lock, which the tests
        # watch to know a call's transaction is open.
        "GUANXI_SEARCH_INDEX_INTERVAL": "0",
        "GUANXI_LOG_LEVEL": "warning",
    }
    schema: str | None = None
    admin_engine = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'faults.db'}"
        db = Database(url)
    else:
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin_engine = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin_engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = PG_URL
        db = Database(url, schema=schema)
        env["GUANXI_DATABASE_SCHEMA"] = schema
    env["GUANXI_DATABASE_URL"] = url
    migrate(db)
    now = SystemClock().now()
    with db.write() as conn:
        user_id = create_user(
            conn,
            email="faults.admin@example.com",
            name="故障 Admin",
            password="correct horse 1",
            now=now,
            is_admin=True,
        )
        _, token = create_token(conn, user_id, name="faults", now=now)
    srv = Server(kind=kind, db=db, env=env, token=token, log=tmp_path / "server.log", schema=schema)
    try:
        srv.start()
        yield srv
    finally:
        if srv.process is not None and srv.process.poll() is None:
            srv.process.terminate()
            try:
                srv.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                srv.kill()
        db.dispose()
        if admin_engine is not None:
            with admin_engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin_engine.dispose()
