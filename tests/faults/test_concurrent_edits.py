"""Many clients editing one record at once lose no update.

Method: a real server process (see conftest) and CLIENTS threads, each with its own HTTP
connection, each adding 1 to the same record's ``hits`` EDITS times. A client reads the
record, PATCHes ``hits + 1`` with ``If-Match`` of the version it read, and on ``412`` reads
again and retries. Lost updates would show as ``hits`` below the number of ``200`` answers;
the version must be 1 + that number and the history must hold one row per increment. On
SQLite the clients queue for the single writer (busy_timeout); on PostgreSQL their
transactions meet at the row lock.

The figures of the last run are in docs/benchmarks.md ("Faults and concurrent edits").
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any
from uuid import UUID

from sqlalchemy import select

from guanxi.platform.records.tables import gx_history
from tests.faults.conftest import Server
from tests.faults.test_kill_mid_call import OBJECT, make_object

CLIENTS = 16
EDITS = 6  # successful increments per client
WAIT = 60.0  # seconds all clients together may take


def test_sixteen_clients_patching_one_record_lose_no_update(server: Server) -> None:
    make_object(server)
    record = server.ok("POST", f"/records/{OBJECT}", 201, json={"title": "计数器", "hits": 0})
    path = f"/records/{OBJECT}/{record['id']}"
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + WAIT
    start = threading.Barrier(CLIENTS)

    def client_edits() -> None:
        with server.client(timeout=WAIT) as client:
            start.wait(WAIT)
            current: dict[str, Any] = client.get(path).json()
            done = 0
            while done < EDITS and time.monotonic() < deadline:
                response = client.patch(
                    path,
                    json={"hits": current["hits"] + 1},
                    headers={"If-Match": f'"{current["version"]}"'},
                )
                with lock:
                    statuses[response.status_code] += 1
                if response.status_code == 200:
                    done += 1
                    current = response.json()
                elif response.status_code == 412:
                    current = client.get(path).json()
                else:
                    return  # counted; the assertion below names it

    started = time.monotonic()
    threads = [threading.Thread(target=client_edits, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    seconds = time.monotonic() - started
    final = server.ok("GET", path)
    with server.db.read() as conn:
        history = conn.execute(
            select(gx_history.c.old, gx_history.c.new).where(
                gx_history.c.record_id == UUID(record["id"]), gx_history.c.field == "hits"
            )
        ).all()
    print(
        f"\n[faults] {server.kind}: clients={CLIENTS} seconds={seconds:.1f} "
        f"statuses={dict(statuses)} hits={final['hits']} version={final['version']}"
    )
    assert set(statuses) <= {200, 412}, statuses
    successes = statuses[200]
    assert successes == CLIENTS * EDITS, "some clients did not finish in time"
    assert final["hits"] == successes
    assert final["version"] == 1 + successes
    assert sorted((row.old, row.new) for row in history) == [(n, n + 1) for n in range(successes)]
