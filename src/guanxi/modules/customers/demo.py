"""Demo accounts and contacts, written through the records service like any user data."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from guanxi.modules import DemoRun
from guanxi.modules.customers import fake
from guanxi.modules.customers.hooks import name_key
from guanxi.platform.records.context import MAX_BULK, Ctx
from guanxi.platform.records.service import create_many


def account_row(rng: random.Random, serial: int) -> tuple[dict[str, Any], fake.Company]:
    c = fake.company(rng, serial)
    row = {
        "name": c.name,
        "industry": c.industry,
        "level": rng.choices(["key", "important", "normal"], weights=[1, 3, 6])[0],
        "status": rng.choices(["prospect", "active", "churned"], weights=[5, 4, 1])[0],
        "source": rng.choice(
            ["website", "referral", "exhibition", "cold_call", "advertising", "partner"]
        ),
        "phone": c.phone,
        "email": c.email,
        "website": c.website,
        "annual_revenue": {
            "amount": str(Decimal(rng.randrange(50, 500_000)) * 1000),
            "currency": "CNY",
        },
        "employees": rng.choice([8, 20, 50, 120, 300, 800, 2000, 10000]),
        "address": {
            "country": "CN",
            "province": c.province,
            "city": c.city,
            "district": c.district,
            "street": c.street,
            "postcode": c.postcode,
        },
        "tags": rng.sample(fake.TAGS, k=rng.randrange(0, 3)),
    }
    return row, c


def load(
    ctx: Ctx,
    *,
    owners: Sequence[UUID] = (),
    accounts: int = 200,
    contacts_per_account: tuple[int, int] = (1, 4),
    seed: int = 20261123,
) -> dict[str, int]:
    """Create demo customers, owned round-robin by ``owners``; deterministic for a seed."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    companies = []
    keys: set[str | None] = set()
    serial = 0
    while len(rows) < accounts:
        serial += 1
        row, company = account_row(rng, serial)
        # One customer is registered once (sales.registration): a generated name that
        # folds to one already made (两家「苏州东方电子商务」) is drawn again.
        key = name_key(row["name"])
        if key in keys:
            continue
        keys.add(key)
        i = len(rows)
        if owners:
            row["owner_id"] = str(owners[i % len(owners)])
        row["last_activity_at"] = (
            ctx.now - timedelta(days=rng.randrange(0, 120), hours=rng.randrange(0, 24))
        ).isoformat()
        rows.append(row)
        companies.append(company)
    created = [
        record
        for start in range(0, len(rows), MAX_BULK)
        for record in create_many(ctx, "account", rows[start : start + MAX_BULK]).records
    ]
    contact_rows = []
    serial = 0
    for account, company in zip(created, companies, strict=True):
        for n in range(rng.randint(*contacts_per_account)):
            serial += 1
            p = fake.person(rng, serial, company.email.split("@")[1])
            contact_rows.append(
                {
                    "name": p.name,
                    "account": account["id"],
                    "title": p.title,
                    "mobile": p.mobile,
                    "email": p.email,
                    "gender": p.gender,
                    "is_primary": n == 0,
                    "wechat": p.email.split("@")[0].replace(".", "_"),
                    "owner_id": account["owner_id"],
                }
            )
    for start in range(0, len(contact_rows), MAX_BULK):
        create_many(ctx, "contact", contact_rows[start : start + MAX_BULK], return_records=False)
    return {"account": len(created), "contact": len(contact_rows)}


def populate(ctx: Ctx, run: DemoRun) -> dict[str, int]:
    """``guanxi demo``: ``run.size`` accounts, owned by the demo sales reps."""
    return load(ctx, owners=run.org.sales_reps, accounts=run.size, seed=run.seed)
