"""The application's wiring: what runs beside the web server while it serves."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database

WAIT_S = 15.0  # the most the test waits for the consumer; it returns as soon as it is done


def test_the_server_runs_the_queue_consumer_while_it_serves(
    installed_db: Database, clock: FixedClock
) -> None:
    app = create_app(
        Settings(queue_consumer=True, search_index_interval=0), db=installed_db, clock=clock
    )
    queue = app.state.services.queue
    ran = threading.Event()
    seen: list[dict[str, Any]] = []

    def probe(payload: dict[str, Any]) -> None:
        seen.append(payload)
        ran.set()

    queue.register("probe", probe)
    assert not queue.running
    with TestClient(app) as client:
        assert queue.running
        assert client.get("/api/v1/health").status_code == 200
        queue.enqueue("probe", {"from": "test"})
        assert ran.wait(WAIT_S), "the in-process consumer did not run the task"
    assert not queue.running  # stopped with the server
    assert seen == [{"from": "test"}]


def test_the_consumer_can_be_left_to_guanxi_worker(
    installed_db: Database, clock: FixedClock
) -> None:
    app = create_app(Settings(queue_consumer=False), db=installed_db, clock=clock)
    with TestClient(app):
        assert not app.state.services.queue.running
