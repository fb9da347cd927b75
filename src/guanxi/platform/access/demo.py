"""A realistic demo organisation: a CEO, two regional sales teams, service and marketing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection

from guanxi.platform.access import org
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata.registry import Snapshot

DEMO_PASSWORD = "guanxi-demo"  # noqa: S105 - the documented demo sign-in

CRUD = {
    "create": True,
    "read": True,
    "update": True,
    "delete": False,
    "import": False,
    "export": False,
}
READ = {
    "create": False,
    "read": True,
    "update": False,
    "delete": False,
    "import": False,
    "export": False,
}


@dataclass
class DemoOrg:
    users: dict[str, UUID] = field(default_factory=dict)  # persona → user id
    departments: dict[str, UUID] = field(default_factory=dict)
    roles: dict[str, UUID] = field(default_factory=dict)
    teams: dict[str, UUID] = field(default_factory=dict)

    @property
    def sales_reps(self) -> list[UUID]:
        return [uid for name, uid in self.users.items() if name.startswith("rep_")]


def customer_objects(scope: str, **overrides: bool) -> dict[str, dict[str, object]]:
    grant = {**CRUD, **overrides, "scope": scope}
    return {"account": dict(grant), "contact": dict(grant)}


def load(
    conn: Connection, snap: Snapshot, *, now: datetime, email_domain: str = "example.com"
) -> DemoOrg:
    """Create the demo organisation; personas sign in as <name>@<domain> / guanxi-demo."""
    result = DemoOrg()
    hide_revenue = {"account.annual_revenue": "hidden"}
    roles: list[tuple[str, dict[str, dict[str, object]], dict[str, str], list[str]]] = [
        ("CEO", customer_objects("all", delete=True, export=True), {}, ["view_audit_log"]),
        (
            "Sales director",
            customer_objects("department_and_children", delete=True, export=True),
            {},
            [],
        ),
        (
            "Sales rep",
            customer_objects("own_and_subordinates"),
            {**hide_revenue, "account.level": "read_only"},
            [],
        ),
        (
            "Service agent",
            {"account": {**READ, "scope": "all"}, "contact": {**CRUD, "scope": "all"}},
            hide_revenue,
            [],
        ),
        (
            "Marketing",
            {name: {**READ, "export": True, "scope": "all"} for name in ("account", "contact")},
            {},
            [],
        ),
    ]
    for name, objects, fields, rights in roles:
        result.roles[name] = org.create_role(
            conn,
            snap,
            name=name,
            objects=objects,
            fields=fields,
            rights=rights,
            require_2fa=False,
            description=None,
            now=now,
        )

    def department(key: str, name: str, parent: str | None = None) -> None:
        result.departments[key] = org.create_department(
            conn,
            name=name,
            parent_id=result.departments[parent] if parent else None,
            head_id=None,
            now=now,
        )

    department("hq", "总经办 Head office")
    department("sales", "销售中心 Sales", "hq")
    department("east", "华东销售部 East China sales", "sales")
    department("south", "华南销售部 South China sales", "sales")
    department("service", "客户服务部 Customer service", "hq")
    department("marketing", "市场部 Marketing", "hq")

    def user(key: str, name: str, dept: str, role: str, manager: str | None = None) -> None:
        user_id = create_user(
            conn,
            email=f"{key.replace('_', '.')}@{email_domain}",
            name=name,
            password=DEMO_PASSWORD,
            now=now,
        )
        org.set_placement(
            conn,
            user_id,
            department_id=result.departments[dept],
            manager_id=result.users.get(manager or ""),
            now=now,
        )
        org.set_roles(conn, user_id, [result.roles[role]])
        result.users[key] = user_id

    user("ceo_chen", "陈总 Chen Jian", "hq", "CEO")
    user("director_li", "李总监 Li Na (East)", "east", "Sales director", "ceo_chen")
    user("director_huang", "黄总监 Huang Wei (South)", "south", "Sales director", "ceo_chen")
    user("manager_zhou", "周经理 Zhou Qiang", "east", "Sales rep", "director_li")
    user("rep_zhang", "张伟 Zhang Wei", "east", "Sales rep", "manager_zhou")
    user("rep_wang", "王芳 Wang Fang", "east", "Sales rep", "manager_zhou")
    user("rep_liu", "刘洋 Liu Yang", "south", "Sales rep", "director_huang")
    user("rep_zhao", "赵敏 Zhao Min", "south", "Sales rep", "director_huang")
    user("agent_sun", "孙丽 Sun Li", "service", "Service agent", "ceo_chen")
    user("marketer_ma", "马超 Ma Chao", "marketing", "Marketing", "ceo_chen")
    result.teams["key_accounts"] = org.create_team(
        conn,
        name="重点客户小组 Key accounts",
        member_ids=[result.users["rep_zhang"], result.users["rep_liu"]],
        now=now,
    )
    return result
