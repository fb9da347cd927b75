"""A realistic demo organisation: a CEO, two regional sales teams, service, marketing and
finance (who approve large contracts after the sales managers and collect the money)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


@dataclass(frozen=True)
class RoleGrants:
    """What a module lets one demo role do with its objects: object grants (``CRUD`` or
    ``READ`` plus a scope) and field access (``{"object.field": "hidden"}``)."""

    objects: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)


# The demo roles and the platform rights each holds; the modules add their object grants.
DEMO_ROLES: dict[str, list[str]] = {
    "CEO": ["view_audit_log"],
    "Sales director": [],
    "Sales rep": [],
    "Service agent": [],
    "Marketing": [],
    "Finance": [],
}


def merge_grants(contributions: Iterable[Mapping[str, RoleGrants]]) -> dict[str, RoleGrants]:
    """One ``RoleGrants`` per demo role from every module's; an unknown role or an object
    granted twice is a mistake in a module's declaration (``ValueError``)."""
    merged: dict[str, RoleGrants] = {}
    for contribution in contributions:
        for role, grants in contribution.items():
            if role not in DEMO_ROLES:
                raise ValueError(f"no demo role named {role!r}; the roles: {sorted(DEMO_ROLES)}")
            have = merged.get(role, RoleGrants())
            twice = set(have.objects) & set(grants.objects)
            if twice:
                raise ValueError(f"role {role!r}: {sorted(twice)} granted twice")
            merged[role] = RoleGrants(
                objects={**have.objects, **grants.objects},
                fields={**have.fields, **grants.fields},
            )
    return merged


@dataclass
class DemoOrg:
    users: dict[str, UUID] = field(default_factory=dict)  # persona → user id
    departments: dict[str, UUID] = field(default_factory=dict)
    roles: dict[str, UUID] = field(default_factory=dict)
    teams: dict[str, UUID] = field(default_factory=dict)

    @property
    def sales_reps(self) -> list[UUID]:
        return [uid for name, uid in self.users.items() if name.startswith("rep_")]


def load(
    conn: Connection,
    snap: Snapshot,
    *,
    now: datetime,
    grants: Mapping[str, RoleGrants],
    email_domain: str = "example.com",
) -> DemoOrg:
    """Create the demo organisation, its roles granted what the modules give them
    (:func:`merge_grants`); personas sign in as <name>@<domain> / guanxi-demo."""
    result = DemoOrg()
    for name, rights in DEMO_ROLES.items():
        given = grants.get(name, RoleGrants())
        result.roles[name] = org.create_role(
            conn,
            snap,
            name=name,
            objects={obj: dict(grant) for obj, grant in given.objects.items()},
            fields=dict(given.fields),
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
    department("finance", "财务部 Finance", "hq")

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
    user("finance_qian", "钱静 Qian Jing (Finance)", "finance", "Finance", "ceo_chen")
    result.teams["key_accounts"] = org.create_team(
        conn,
        name="重点客户小组 Key accounts",
        member_ids=[result.users["rep_zhang"], result.users["rep_liu"]],
        now=now,
    )
    return result
