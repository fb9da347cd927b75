"""The module registry: what the app, the CLI and the demo roles are assembled from."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

import guanxi
from guanxi.modules import (
    Module,
    RoleGrants,
    ScheduledJob,
    in_dependency_order,
    installed,
    role_grants,
)
from guanxi.platform.access.demo import DEMO_ROLES, READ

SRC = Path(guanxi.__file__).parent
CUSTOMERS_OBJECTS = {"account", "contact"}


def _literals_naming(path: Path, names: set[str], root: Path = SRC.parent) -> list[str]:
    """String constants in code equal to one of ``names`` (docstrings and comments aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and node.value in names
    ]


def test_only_the_customers_module_names_its_objects() -> None:
    places = [
        *(SRC / "platform").rglob("*.py"),
        *(SRC / "api").rglob("*.py"),
        *(SRC / "web").rglob("*.py"),
        SRC / "cli.py",
        SRC / "app.py",
        SRC / "bootstrap.py",
    ]
    found = [hit for path in places for hit in _literals_naming(path, CUSTOMERS_OBJECTS)]
    assert found == []


def test_the_literal_search_sees_code_but_not_comments_or_docstrings(tmp_path: Path) -> None:
    sample = tmp_path / "probe.py"
    sample.write_text(
        '"""Lists each "account"."""\n# "account"\n\n\ndef f() -> str:\n'
        '    """The "contact"."""\n    return "contact"\n'
    )
    assert _literals_naming(sample, CUSTOMERS_OBJECTS, tmp_path) == ["probe.py:7: 'contact'"]


def test_modules_come_after_the_modules_they_require() -> None:
    base, sales, reports = (
        Module(name="base"),
        Module(name="sales", requires=["base"]),
        Module(name="reports", requires=["sales", "base"]),
    )
    assert in_dependency_order([reports, sales, base]) == [base, sales, reports]
    with pytest.raises(ValueError, match=r"requires \['base'\], not installed"):
        in_dependency_order([sales])
    with pytest.raises(ValueError, match="require each other"):
        in_dependency_order([Module(name="a", requires=["b"]), Module(name="b", requires=["a"])])
    with pytest.raises(ValueError, match="share a name"):
        in_dependency_order([base, Module(name="base")])


def test_every_demo_role_gets_the_customers_grants_from_the_registry() -> None:
    grants = role_grants(installed())
    assert set(grants) == set(DEMO_ROLES)
    assert grants["Sales rep"].fields["account.annual_revenue"] == "hidden"
    assert grants["Marketing"].objects["contact"] == {**READ, "export": True, "scope": "all"}


def test_a_module_granting_an_unknown_role_or_an_object_twice_is_refused() -> None:
    mine = RoleGrants(objects={"visit": {**READ, "scope": "all"}})
    with pytest.raises(ValueError, match="no demo role named 'Astronaut'"):
        role_grants([Module(name="visits", grants={"Astronaut": mine})])
    with pytest.raises(ValueError, match=r"\['visit'\] granted twice"):
        role_grants(
            [Module(name="a", grants={"CEO": mine}), Module(name="b", grants={"CEO": mine})]
        )


def _nothing(ctx: object) -> None:
    return None


@pytest.mark.parametrize(
    ("job", "why"),
    [
        (lambda: ScheduledJob("remind", _nothing, cron="0 9 * *"), "five fields"),
        (lambda: ScheduledJob("remind", _nothing, cron="0 9 * * mon;rm"), "five fields"),
        (lambda: ScheduledJob("remind", _nothing), "either cron or every"),
        (
            lambda: ScheduledJob("remind", _nothing, cron="0 9 * * *", every=timedelta(hours=1)),
            "either cron or every",
        ),
        (lambda: ScheduledJob("remind", _nothing, every=timedelta(0)), "positive"),
        (lambda: ScheduledJob("Remind me", _nothing, every=timedelta(hours=1)), "job name"),
    ],
)
def test_a_job_with_no_clear_schedule_is_refused_when_declared(job: object, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        job()  # type: ignore[operator]


def test_two_jobs_of_a_module_may_not_share_a_name() -> None:
    daily = ScheduledJob("remind", _nothing, cron="0 9 * * 1-5")
    with pytest.raises(ValueError, match="share a name"):
        Module(name="visits", jobs=[daily, daily])
