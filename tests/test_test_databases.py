"""The test suite's own promise about PostgreSQL: skipped only when nobody asked for it.

CI sets GUANXI_TEST_POSTGRES_URL; if that server does not answer, the PostgreSQL half of
every data-layer test must fail loudly instead of skipping into a green run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py").read_text(encoding="utf-8")

A_TEST_ON_BOTH_DATABASES = """
def test_runs_on_both(empty_db):
    pass
"""


def run_inner_suite(pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(A_TEST_ON_BOTH_DATABASES)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rsE")


def test_postgres_tests_fail_when_the_configured_server_does_not_answer(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    monkeypatch.setenv("GUANXI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:1/test")
    result = run_inner_suite(pytester)
    result.assert_outcomes(passed=1, errors=1, skipped=0)
    result.stdout.fnmatch_lines(
        ["*PostgreSQL not reachable at postgresql://postgres@127.0.0.1:1/test*"]
    )
    assert result.ret != 0


def test_postgres_tests_skip_with_the_reason_when_no_server_is_configured(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUANXI_TEST_POSTGRES_URL", raising=False)
    result = run_inner_suite(pytester)
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*GUANXI_TEST_POSTGRES_URL is not set*"])
    assert result.ret == 0
