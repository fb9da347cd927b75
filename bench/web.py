"""The web app's budgets in real Chromium: ``python -m bench.web [--accounts N]``.

The first load (JS + CSS, compressed, routes split) ≤ 500 KB; on the 1M-account data set
the accounts list shows its first 50 rows within 500 ms of the click (a screenful of them
drawn: the list is virtual), the next page within 300 ms, a record page within 500 ms
(medians). Writes ``bench/web.md``, which the report
(``docs/benchmarks.md``) includes; the browser part is ``bench/web_pages.mjs``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.generate import ADMIN_EMAIL, Spec, Target, ensure_dataset
from bench.server import running_server, server_env

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(__file__).with_name("web.md")
PASSWORD = "bench-web-2026"  # noqa: S105 (the bench data set's users, for the browser's sign-in)
REP_EMAIL = "lead0@bench.example.com"  # a team lead: the rep persona of the page benchmarks
BUDGETS = {"first_load_kb": 500, "list_ms": 500, "next_page_ms": 300, "record_ms": 500}


def _set_password(dataset_env: dict[str, str], email: str) -> None:
    guanxi = Path(sys.executable).with_name("guanxi")
    subprocess.run(
        [str(guanxi), "admin", "password", "--email", email, "--password", PASSWORD],
        env=dataset_env,
        check=True,
        capture_output=True,
    )


def _browse(base_url: str, email: str, runs: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "BENCH_BASE_URL": base_url,
        "BENCH_EMAIL": email,
        "BENCH_PASSWORD": PASSWORD,
        "BENCH_RUNS": str(runs),
    }
    out = subprocess.run(
        ["node", str(Path(__file__).with_name("web_pages.mjs"))],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"the browser run failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _kb(load: dict[str, int]) -> float:
    return (load["js"] + load["css"]) / 1024


def render(accounts: int, kind: str, results: dict[str, dict[str, Any]]) -> str:
    def ok(value: float, budget: float) -> str:
        return "✅" if value <= budget else f"❌ (+{value - budget:.0f})"

    lines = [
        "## The web app in Chromium",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} by `python -m bench.web` on {accounts:,} accounts"
        f" ({kind}), `guanxi serve` with one worker, Debian's Chromium headless on the same"
        " machine. The list draws only the rows in sight (ADR 0024): times run from the click"
        " to a screenful of rows (the 10th), from 'Load more' to the first row of the next"
        " page on screen, and from a row's link to the record's details; medians of the runs"
        " after a warm-up.",
        "",
        "| | budget | admin | team lead (scoped, hidden revenue) |",
        "|---|---|---|---|",
    ]
    admin, lead = results["admin"], results["lead"]
    for name, key in (("sign-in page", "sign_in"), ("home after sign-in", "home")):
        a, b = _kb(admin["first_load"][key]), _kb(lead["first_load"][key])
        lines.append(
            f"| first load, {name} (JS + CSS, gzip) | ≤ {BUDGETS['first_load_kb']} KB |"
            f" {a:.0f} KB {ok(a, BUDGETS['first_load_kb'])} | {b:.0f} KB {ok(b, BUDGETS['first_load_kb'])} |"
        )
    for label, key in (
        ("accounts list, first 50 rows", "list_ms"),
        ("next page (rows 51–100)", "next_page_ms"),
        ("record page", "record_ms"),
    ):
        a, b = admin[key]["median"], lead[key]["median"]
        lines.append(
            f"| {label} | ≤ {BUDGETS[key]} ms | {a:.0f} ms {ok(a, BUDGETS[key])} |"
            f" {b:.0f} ms {ok(b, BUDGETS[key])} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args(argv)
    if not (ROOT / "src" / "guanxi" / "web" / "dist" / "index.html").exists():
        sys.exit("build the web app first: make web")
    spec = Spec(args.accounts)
    dataset = ensure_dataset(Target.sqlite(args.data_dir, spec), spec, args.data_dir)
    env = server_env(dataset)
    for email in (ADMIN_EMAIL, REP_EMAIL):
        _set_password(env, email)
    results = {}
    with running_server(dataset, args.data_dir / "logs") as server:
        for persona, email in (("admin", ADMIN_EMAIL), ("lead", REP_EMAIL)):
            results[persona] = _browse(server.base_url, email, args.runs)
            print(persona, json.dumps(results[persona]), file=sys.stderr)
    REPORT.write_text(render(args.accounts, "SQLite", results), encoding="utf-8")
    print(REPORT.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
