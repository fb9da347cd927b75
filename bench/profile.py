"""Profile the server under one benchmark load with py-spy: where does a request spend its CPU?

    .venv/bin/pip install py-spy
    .venv/bin/python -m bench.profile --scenario create [--db sqlite] [--quick]

Starts the real server on the (cached) benchmark data set, attaches ``py-spy record`` to it,
drives one scenario (``page``, ``lookup-page``, ``create``, ``bulk`` or ``search``) and prints
the functions with the largest share of the sampled CPU time, inclusive (the function and
what it calls) and self. The collapsed stacks are kept under ``bench/data/`` for flame graphs.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from bench.generate import Spec, Target, ensure_dataset, log_stderr, reset
from bench.run import DEFAULT_PG_URL, QUICK_ACCOUNTS, ROOT
from bench.scenarios import JSON, PAGE_QUERIES, new_accounts
from bench.server import Server, running_server

SCENARIOS = ("page", "lookup-page", "create", "bulk", "search")
WAITING = {
    ("threading.py", "Condition.wait"),
    ("threading.py", "Event.wait"),
    ("queue.py", "Queue.get"),
}
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*)\)$")


def drive(server: Server, scenario: str, count: int, seed: int) -> None:
    """Send ``count`` requests of one kind (sequentially, one keep-alive connection)."""
    with server.client(timeout=600) as client:
        send: Callable[[int], Any]
        if scenario in {"page", "lookup-page"}:
            q = PAGE_QUERIES[0 if scenario == "page" else 1]
            url, body = f"/api/v1/records/{q.object_name}/query", orjson.dumps(q.body)

            def send(_: int) -> Any:
                return client.post(url, content=body, headers=JSON)

        elif scenario == "create":
            bodies = [orjson.dumps(p) for p in new_accounts(count, seed, 50_000_000)]

            def send(i: int) -> Any:
                return client.post("/api/v1/records/account", content=bodies[i], headers=JSON)

        elif scenario == "bulk":
            payloads = new_accounts(count * 1000, seed, 60_000_000)
            bodies = [
                orjson.dumps(
                    {"records": payloads[i * 1000 : (i + 1) * 1000], "return_records": False}
                )
                for i in range(count)
            ]

            def send(i: int) -> Any:
                return client.post("/api/v1/records/account/bulk", content=bodies[i], headers=JSON)

        else:
            # A brand, a 2-character person name, an English word, a mailbox, phone digits.
            terms = ["中科", "张伟", "litware", "user4887", "96762659"]

            def send(i: int) -> Any:
                return client.get("/api/v1/search", params={"q": terms[i % len(terms)]})

        for i in range(count):
            response = send(i)
            if response.status_code >= 300:
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")


def summarize(raw_path: Path, top: int) -> str:
    """Inclusive and self shares per function from py-spy's collapsed stacks."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw_path.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_name(f) for f in stack.split(";")]
        path, _, func = frames[-1].partition(":")
        if (path, func.rpartition(":")[2]) in WAITING:
            continue  # an idle worker thread that py-spy did not recognise as idle
        total += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    if not total:
        return "no samples"
    out = [f"{total} busy samples (idle threads left out)", "", "inclusive (guanxi code):"]
    ours = [(n, c) for n, c in inclusive.most_common() if "guanxi/" in n]
    out += [f"  {100 * c / total:5.1f} %  {n}" for n, c in ours[:top]]
    out += ["", "inclusive (all):"]
    out += [f"  {100 * c / total:5.1f} %  {n}" for n, c in inclusive.most_common(top)]
    out += ["", "self:"]
    out += [f"  {100 * c / total:5.1f} %  {n}" for n, c in own.most_common(top)]
    return "\n".join(out)


def _name(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{match['func']}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--scenario", choices=SCENARIOS, default="create")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--contacts-per-account", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ACCOUNTS:,} accounts")
    parser.add_argument("--count", type=int, default=None, help="requests (bulk: calls)")
    parser.add_argument("--rate", type=int, default=500, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--gil", action="store_true", help="only samples holding the GIL (Python CPU time)"
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument(
        "--pg-schema", default=None, help="schema of the data set (default bench, bench_quick)"
    )
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        parser.error("py-spy is not installed: .venv/bin/pip install py-spy")
    accounts = QUICK_ACCOUNTS if args.quick else args.accounts
    spec = Spec(accounts, args.contacts_per_account)
    target = (
        Target.sqlite(args.data_dir, spec)
        if args.db == "sqlite"
        else Target.postgresql(
            args.pg_url, args.pg_schema or ("bench_quick" if args.quick else "bench")
        )
    )
    count = args.count or {"bulk": 10, "search": 40}.get(args.scenario, 1000)
    dataset = ensure_dataset(target, spec, args.data_dir)
    raw_path = args.data_dir / f"profile-{args.db}-{args.scenario}.txt"
    try:
        with running_server(dataset, args.data_dir) as server:
            drive(server, args.scenario, 20 if args.scenario != "bulk" else 1, spec.seed + 7)
            spy = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(server.pid),
                    "--rate",
                    str(args.rate),
                    "--format",
                    "raw",
                    "--function",
                    *(["--gil"] if args.gil else []),
                    "--output",
                    str(raw_path),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            time.sleep(1.0)
            started = time.perf_counter()
            drive(server, args.scenario, count, spec.seed + 8)
            elapsed = time.perf_counter() - started
            spy.send_signal(signal.SIGINT)
            _, err = spy.communicate(timeout=60)
            if spy.returncode not in (0, -signal.SIGINT):
                log_stderr(err.decode(errors="replace"))
    finally:
        reset(dataset)
    print(f"{args.scenario} on {target.label}: {count} requests in {elapsed:.1f} s")
    print(summarize(raw_path, args.top))
    print(f"\ncollapsed stacks: {raw_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
