"""A year of the demo company's sales (线索到回款), through the records service.

Leads from several channels (some worked, some disqualified, some converted), a
pipeline of opportunities across the year with won and lost deals, activities and
open tasks, a product catalogue with a standard price book, quotes with lines for deals
past qualification, contracts for won deals with instalment plans — paid, partly paid and
overdue — invoices, and quarterly targets per rep and per sales team. Deterministic for
a seed; written through ``create_many`` so the module's rules (totals, stage dates,
follow-up dates, payment checks) hold for the demo data too.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from guanxi.modules import DemoRun
from guanxi.modules.customers import fake
from guanxi.modules.sales.conversion import ConvertIn, OpportunityIn, convert_lead
from guanxi.modules.sales.registration import registered
from guanxi.platform.records.context import MAX_BULK, Ctx
from guanxi.platform.records.reads import list_records
from guanxi.platform.records.service import create_many
from guanxi.platform.records.updates import update_current

# Sales objects are made for at most this many accounts, so `guanxi demo --size 1000000`
# (the benchmarks' data set) stays a matter of minutes.
MAX_ACCOUNTS = 1000
CENT = Decimal("0.01")

PRODUCTS = [
    # code, zh name, en name, category, unit, list price
    (
        "GX-CRM-STD",
        "关系 CRM 标准版(年订阅/用户)",
        "Guanxi CRM Standard (user/year)",
        "subscription",
        "用户/年",
        "1200.00",
    ),
    (
        "GX-CRM-PRO",
        "关系 CRM 专业版(年订阅/用户)",
        "Guanxi CRM Professional (user/year)",
        "subscription",
        "用户/年",
        "2400.00",
    ),
    (
        "GX-CRM-ENT",
        "关系 CRM 企业版(年订阅/用户)",
        "Guanxi CRM Enterprise (user/year)",
        "subscription",
        "用户/年",
        "3600.00",
    ),
    ("GX-IMPL", "实施服务(人天)", "Implementation (person-day)", "service", "人天", "2500.00"),
    ("GX-TRAIN", "培训服务(场)", "Training session", "service", "场", "6000.00"),
    (
        "GX-INT",
        "系统集成开发(人天)",
        "Integration development (person-day)",
        "service",
        "人天",
        "3000.00",
    ),
    ("GX-SUP-GOLD", "金牌运维支持(年)", "Gold support (year)", "support", "年", "30000.00"),
    ("GX-SCAN", "名片扫描仪", "Business card scanner", "hardware", "台", "899.00"),
]

LEAD_SOURCES = [
    ("web_form", 5),
    ("website", 3),
    ("exhibition", 2),
    ("referral", 2),
    ("advertising", 2),
    ("wechat", 2),
    ("cold_call", 1),
]
CHANNELS = {
    "web_form": "organic",
    "website": "paid_search",
    "advertising": "paid_search",
    "wechat": "social",
    "exhibition": "offline",
}
CAMPAIGNS = [
    "2026 春季新品发布会",
    "双十一数字化转型峰会",
    "华东制造业 CRM 沙龙",
    "百度搜索推广",
    "微信公众号投放",
]
REGIONS = ["north", "east", "south", "central", "southwest", "northwest", "northeast"]
SUBJECTS = [
    ("call", "电话沟通需求"),
    ("meeting", "线上演示产品"),
    ("visit", "上门拜访决策人"),
    ("email", "发送方案与报价"),
    ("wechat", "微信跟进反馈"),
    ("note", "内部评审记录"),
]
LOST_REASONS = ["price", "competitor", "no_budget", "no_decision", "timing", "product_fit"]
COMPETITORS = ["Salesforce", "纷享销客", "销售易", "HubSpot", "Zoho", "自研系统"]
STAGE_WEIGHTS = [
    ("prospecting", 3),
    ("qualification", 3),
    ("proposal", 2),
    ("negotiation", 2),
    ("won", 4),
    ("lost", 3),
]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _money(amount: Decimal) -> dict[str, str]:
    return {"amount": str(amount.quantize(CENT)), "currency": "CNY"}


def _create(
    ctx: Ctx, name: str, rows: list[dict[str, Any]], *, back: bool = True
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for start in range(0, len(rows), MAX_BULK):
        result = create_many(ctx, name, rows[start : start + MAX_BULK], return_records=back)
        out.extend(result.records)
    return out


def populate(ctx: Ctx, run: DemoRun) -> dict[str, int]:
    """The demo year; ``run.size`` leads, opportunities for up to ``MAX_ACCOUNTS`` accounts."""
    rng = random.Random(run.seed + 1)
    today = ctx.now.astimezone(ctx.zone).date()
    reps = [str(r) for r in run.org.sales_reps]
    counts: dict[str, int] = {}

    products = _create(
        ctx,
        "product",
        [
            {
                "name": f"{zh} / {en}",
                "product_code": code,
                "category": cat,
                "unit": unit,
                "list_price": _money(Decimal(price)),
                "active": True,
            }
            for code, zh, en, cat, unit, price in PRODUCTS
        ],
    )
    book = _create(
        ctx,
        "price_book",
        [
            {
                "name": "标准价格表 Standard price book",
                "is_standard": True,
                "currency": "CNY",
                "valid_from": f"{today.year}-01-01",
            }
        ],
    )[0]
    entries = _create(
        ctx,
        "price_book_entry",
        [
            {
                "name": p["name"],
                "price_book": book["id"],
                "product": p["id"],
                "unit_price": p["list_price"],
            }
            for p in products
        ],
    )
    counts.update(product=len(products), price_book=1, price_book_entry=len(entries))

    accounts = list_records(
        ctx, "account", limit=min(run.size, MAX_ACCOUNTS), fields=["name", "owner_id"]
    ).records
    contacts_by_account: dict[str, list[str]] = {}
    if accounts:
        for contact in list_records(ctx, "contact", limit=1000, fields=["account"]).records:
            if contact.get("account"):
                contacts_by_account.setdefault(str(contact["account"]), []).append(
                    str(contact["id"])
                )

    counts["lead"] = _leads(ctx, rng, run, today, reps)
    deals = _opportunities(ctx, rng, accounts, contacts_by_account, today)
    counts["opportunity"] = len(deals)
    counts["activity"], counts["task"] = _activities(
        ctx, rng, accounts, deals, contacts_by_account, today
    )
    counts["quote"], counts["quote_line"] = _quotes(ctx, rng, deals, entries, book, today)
    counts.update(_contracts_and_cash(ctx, rng, deals, today))
    counts["sales_target"] = _targets(ctx, rng, run, today)
    return counts


def _leads(ctx: Ctx, rng: random.Random, run: DemoRun, today: date, reps: list[str]) -> int:
    rows = []
    for i in range(min(run.size, MAX_ACCOUNTS)):
        company = fake.company(rng, 10_000 + i)
        person = fake.person(rng, 10_000 + i, company.email.split("@")[1])
        source = _pick(rng, LEAD_SOURCES)
        status = rng.choices(["new", "working", "qualified", "disqualified"], weights=[4, 4, 2, 2])[
            0
        ]
        row: dict[str, Any] = {
            "name": person.name,
            "company": company.name,
            "title": person.title,
            "mobile": person.mobile,
            "email": person.email,
            "industry": company.industry,
            "region": rng.choice(REGIONS),
            "source": source,
            "channel": CHANNELS.get(source),
            "status": status,
            "rating": rng.choice(["hot", "warm", "cold"]),
            "owner_id": reps[i % len(reps)],
            "address": {
                "country": "CN",
                "province": company.province,
                "city": company.city,
                "district": company.district,
            },
        }
        if source in {"web_form", "advertising", "website"}:
            row.update(
                utm_source=rng.choice(["baidu", "wechat", "zhihu", "google"]),
                utm_medium="cpc",
                utm_campaign=rng.choice(CAMPAIGNS),
            )
        if source in {"exhibition", "advertising"}:
            row["campaign"] = rng.choice(CAMPAIGNS)
        if status == "disqualified":
            row["disqualify_reason"] = rng.choice(
                ["no_need", "no_contact", "duplicate", "competitor", "spam"]
            )
        if status in {"working", "qualified"}:
            row["next_follow_up"] = (today + timedelta(days=rng.randrange(1, 21))).isoformat()
        rows.append(row)
    created = _create(ctx, "lead", rows)
    # A few qualified leads went all the way: converted, with a deal of their own (into
    # new accounts, so of companies no one has registered yet).
    fresh = [r for r in created if r["status"] == "qualified" and not registered(ctx, r["company"])]
    for lead in fresh[:5]:
        amount = Decimal(rng.randrange(5, 60)) * 5000
        convert_lead(
            ctx,
            UUID(str(lead["id"])),
            ConvertIn(
                opportunity=OpportunityIn(
                    name=f"{lead['company']} - CRM 项目",
                    amount={"amount": str(amount), "currency": "CNY"},
                    close_date=(today + timedelta(days=rng.randrange(20, 90))).isoformat(),
                )
            ),
        )
    return len(created)


def _opportunities(
    ctx: Ctx,
    rng: random.Random,
    accounts: list[dict[str, Any]],
    contacts: dict[str, list[str]],
    today: date,
) -> list[dict[str, Any]]:
    rows = []
    for account in accounts:
        for _ in range(rng.choice((0, 1, 1, 2))):
            stage = _pick(rng, STAGE_WEIGHTS)
            closed = stage in {"won", "lost"}
            close = (
                today - timedelta(days=rng.randrange(1, 330))
                if closed
                else today + timedelta(days=rng.randrange(7, 150))
            )
            amount = (
                Decimal(rng.choice((3, 5, 8, 12, 20, 35, 50, 80, 120)))
                * Decimal(rng.randrange(900, 1100))
                * 10
            )
            row: dict[str, Any] = {
                "name": f"{account['name']} - {rng.choice(['CRM 采购', '续约', '增购席位', '实施项目'])}",
                "account": account["id"],
                "contact": rng.choice(contacts.get(str(account["id"]), [None])),
                "pipeline": rng.choices(["new_business", "renewal", "upsell"], weights=[6, 2, 2])[
                    0
                ],
                "stage": stage,
                "amount": _money(amount),
                "close_date": close.isoformat(),
                "source": rng.choice(
                    ["website", "referral", "exhibition", "advertising", "partner"]
                ),
                "owner_id": account["owner_id"],
            }
            if stage == "lost":
                row["lost_reason"] = rng.choice(LOST_REASONS)
                if row["lost_reason"] == "competitor":
                    row["competitor"] = rng.choice(COMPETITORS)
            elif not closed:
                row["next_step"] = rng.choice(
                    ["安排技术交流", "发送正式报价", "确认采购流程", "约见 CFO", "准备 POC 环境"]
                )
            rows.append(row)
    return _create(ctx, "opportunity", rows)


def _activities(
    ctx: Ctx,
    rng: random.Random,
    accounts: list[dict[str, Any]],
    deals: list[dict[str, Any]],
    contacts: dict[str, list[str]],
    today: date,
) -> tuple[int, int]:
    by_account: dict[str, list[dict[str, Any]]] = {}
    for deal in deals:
        by_account.setdefault(str(deal["account"]), []).append(deal)
    activities, tasks = [], []
    for account in accounts:
        key = str(account["id"])
        for _ in range(rng.randrange(1, 5)):
            kind, subject = rng.choice(SUBJECTS)
            own: list[dict[str, Any] | None] = [*by_account.get(key, [])]
            about = rng.choice(own or [None])
            when = ctx.now - timedelta(days=rng.randrange(0, 360), hours=rng.randrange(0, 9))
            activities.append(
                {
                    "subject": subject,
                    "kind": kind,
                    "outcome": rng.choice(["connected", "interested", "follow_up", "no_answer"]),
                    "occurred_at": when.isoformat(),
                    "duration_minutes": rng.choice([5, 15, 30, 60, 90]),
                    "account": key,
                    "contact": rng.choice(contacts.get(key, [None])),
                    "opportunity": None if about is None else about["id"],
                    "next_follow_up": (today + timedelta(days=rng.randrange(-10, 30))).isoformat()
                    if rng.random() < 0.4
                    else None,
                    "notes": "客户关注数据安全与私有化部署,希望下周安排技术交流。",
                    "owner_id": account["owner_id"],
                }
            )
        if rng.random() < 0.35:
            due = ctx.now + timedelta(days=rng.randrange(-3, 14), hours=rng.randrange(0, 8))
            tasks.append(
                {
                    "subject": rng.choice(
                        ["回访客户确认需求", "准备报价单", "催收第二期回款", "续约沟通", "寄送合同"]
                    ),
                    "status": "open",
                    "priority": rng.choice(["high", "normal", "low"]),
                    "due_at": due.isoformat(),
                    "assignee": str(account["owner_id"]),
                    "account": key,
                    "owner_id": account["owner_id"],
                }
            )
    _create(ctx, "activity", activities, back=False)
    _create(ctx, "task", tasks, back=False)
    return len(activities), len(tasks)


def _quotes(
    ctx: Ctx,
    rng: random.Random,
    deals: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    book: dict[str, Any],
    today: date,
) -> tuple[int, int]:
    quoted = [d for d in deals if d["stage"] in {"proposal", "negotiation", "won", "lost"}]
    rows = []
    for deal in quoted:
        status = {"won": "accepted", "lost": "rejected"}.get(
            deal["stage"], rng.choice(["draft", "sent"])
        )
        rows.append(
            {
                "name": f"{deal['name']} 报价",
                "account": deal["account"],
                "contact": deal.get("contact"),
                "opportunity": deal["id"],
                "price_book": book["id"],
                "status": status,
                "quote_date": (today - timedelta(days=rng.randrange(0, 300))).isoformat(),
                "valid_until": (today + timedelta(days=30)).isoformat(),
                "discount_percent": str(rng.choice([0, 0, 5, 10])),
                "tax_rate": "13",
                "terms": "1. 报价有效期 30 天;2. 合同签订后 5 个工作日内支付首期款;3. 以上价格含增值税专用发票。",
                "owner_id": deal["owner_id"],
            }
        )
    # Written as drafts, then moved to their status: an accepted or rejected quote's
    # lines are settled and cannot be added (quotes.py).
    settled = [row.pop("status") for row in rows]
    quotes = _create(ctx, "quote", rows)
    lines = []
    for quote in quotes:
        for position, entry in enumerate(rng.sample(entries, k=rng.randrange(1, 4)), start=1):
            quantity = Decimal(rng.choice((1, 2, 5, 10, 20, 50)))
            price = Decimal(entry["unit_price"]["amount"])
            discount = Decimal(rng.choice((0, 0, 5, 10, 15)))
            amount = (quantity * price * (100 - discount) / 100).quantize(CENT, ROUND_HALF_UP)
            lines.append(
                {
                    "name": entry["name"],
                    "quote": quote["id"],
                    "product": entry["product"],
                    "price_book_entry": entry["id"],
                    "quantity": str(quantity),
                    "unit_price": entry["unit_price"],
                    "discount_percent": str(discount),
                    "amount": _money(amount),
                    "position": position,
                    "owner_id": quote["owner_id"],
                }
            )
    _create(ctx, "quote_line", lines, back=False)
    for quote, status in zip(quotes, settled, strict=True):
        if status != "draft":
            update_current(ctx, "quote", UUID(quote["id"]), {"status": status})
    return len(quotes), len(lines)


def _contracts_and_cash(
    ctx: Ctx, rng: random.Random, deals: list[dict[str, Any]], today: date
) -> dict[str, int]:
    won = [d for d in deals if d["stage"] == "won"]
    rows = []
    for deal in won:
        signed = date.fromisoformat(str(deal["close_date"]))
        end = signed + timedelta(days=365)
        rows.append(
            {
                "name": f"{deal['name']} 合同",
                "account": deal["account"],
                "contact": deal.get("contact"),
                "opportunity": deal["id"],
                "status": "active" if end >= today else "expired",
                "amount": deal["amount"],
                "signed_on": signed.isoformat(),
                "start_date": signed.isoformat(),
                "end_date": end.isoformat(),
                "renewal_reminder_days": 60,
                "owner_id": deal["owner_id"],
            }
        )
    contracts = _create(ctx, "contract", rows)
    plans, shares = (
        [],
        (
            (Decimal(1),),
            (Decimal("0.5"), Decimal("0.5")),
            (Decimal("0.3"), Decimal("0.4"), Decimal("0.3")),
        ),
    )
    for contract in contracts:
        total = Decimal(contract["amount"]["amount"])
        split = rng.choice(shares)
        signed = date.fromisoformat(str(contract["signed_on"]))
        left = total
        for n, share in enumerate(split, start=1):
            amount = left if n == len(split) else (total * share).quantize(CENT)
            left -= amount
            plans.append(
                {
                    "name": f"第 {n} 期 Instalment {n}",
                    "contract": contract["id"],
                    "account": contract["account"],
                    "instalment": n,
                    "due_date": (signed + timedelta(days=10 + 90 * (n - 1))).isoformat(),
                    "amount": _money(amount),
                    "owner_id": contract["owner_id"],
                }
            )
    instalments = _create(ctx, "payment_plan", plans)
    payments, invoices = [], []
    for plan in instalments:
        due = date.fromisoformat(str(plan["due_date"]))
        if due > today:
            continue
        amount = Decimal(plan["amount"]["amount"])
        fate = rng.random()
        if fate < 0.12:
            continue  # overdue, nothing paid yet
        paid = amount if fate > 0.22 else (amount / 2).quantize(CENT)
        paid_on = min(today, due + timedelta(days=rng.randrange(-5, 20)))
        payments.append(
            {
                "contract": plan["contract"],
                "payment_plan": plan["id"],
                "account": plan["account"],
                "amount": _money(paid),
                "paid_on": paid_on.isoformat(),
                "method": rng.choice(
                    ["bank_transfer", "bank_transfer", "acceptance_bill", "alipay"]
                ),
                "reference": f"CMB{paid_on:%Y%m%d}{rng.randrange(10**6, 10**7)}",
                "owner_id": plan["owner_id"],
            }
        )
        invoices.append(
            {
                "invoice_no": f"{rng.randrange(10**7, 10**8)}",
                "contract": plan["contract"],
                "account": plan["account"],
                "amount": _money(paid),
                "tax_amount": _money(paid * Decimal(13) / Decimal(113)),
                "issued_on": paid_on.isoformat(),
                "status": "issued",
                "owner_id": plan["owner_id"],
            }
        )
    _create(ctx, "payment", payments, back=False)
    _create(ctx, "invoice", invoices, back=False)
    return {
        "contract": len(contracts),
        "payment_plan": len(instalments),
        "payment": len(payments),
        "invoice": len(invoices),
    }


def _targets(ctx: Ctx, rng: random.Random, run: DemoRun, today: date) -> int:
    rows = []
    for quarter in range(1, 5):
        period = f"{today.year}-Q{quarter}"
        for name, user in run.org.users.items():
            if name.startswith("rep_"):
                amount = Decimal(rng.choice((60, 80, 100, 120))) * 10_000
                rows.append(
                    {
                        "name": f"{period} 赢单目标",
                        "measure": "won_amount",
                        "period": period,
                        "assignee": str(user),
                        "amount": _money(amount),
                        "owner_id": str(user),
                    }
                )
        for dept, department_id in run.org.departments.items():
            if dept in {"east", "south"}:  # the two regional sales teams
                rows.append(
                    {
                        "name": f"{period} 回款目标",
                        "measure": "collected",
                        "period": period,
                        "department_id": str(department_id),
                        "amount": _money(Decimal(300) * 10_000),
                    }
                )
        for team_id in run.org.teams.values():  # the key accounts team, across regions
            rows.append(
                {
                    "name": f"{period} 重点客户赢单目标",
                    "measure": "won_amount",
                    "period": period,
                    "team_id": str(team_id),
                    "amount": _money(Decimal(250) * 10_000),
                }
            )
    _create(ctx, "sales_target", rows, back=False)
    return len(rows)
