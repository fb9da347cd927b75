"""Sales (销售): leads to cash (线索到回款) — leads, opportunities, activities, tasks,
products and price books, quotes, contracts, payment plans, payments, invoices, targets."""

from guanxi.modules import Module, ObjectChange, ScheduledJob
from guanxi.modules.sales import contracts, demo
from guanxi.modules.sales.cash_router import router as cash_router
from guanxi.modules.sales.contracts import ContractRules
from guanxi.modules.sales.forecast_router import router as forecast_router
from guanxi.modules.sales.forms_router import public as public_forms
from guanxi.modules.sales.forms_router import router as forms_router
from guanxi.modules.sales.hooks import ActivityKeepsFollowUpDatesCurrent, ConvertedLeadIsReadOnly
from guanxi.modules.sales.leads_router import router as leads_router
from guanxi.modules.sales.objects import CHILD_OBJECTS, OBJECTS
from guanxi.modules.sales.opportunities import OpportunityStageRules
from guanxi.modules.sales.payments import InvoiceRules, PaymentPlanRules, PaymentRules
from guanxi.modules.sales.pools import reclaim_idle_accounts
from guanxi.modules.sales.pools_router import router as pools_router
from guanxi.modules.sales.quotes import QuoteLinePricing, QuoteTotals
from guanxi.modules.sales.registration import RegistrationGrantsProtection
from guanxi.modules.sales.roles import GRANTS
from guanxi.modules.sales.targets import TargetPeriodAndDepartment

MODULE = Module(
    name="sales",
    label={"en": "Sales", "zh-CN": "销售"},
    requires=["customers"],  # leads convert to accounts and contacts; deals belong to accounts
    version=2,
    objects=OBJECTS,
    # 2 (2026-12-08): child objects (a quote's lines, a price book's entries, a contract's
    # instalments) leave the navigation; they are opened from their parent.
    changes=[ObjectChange(name, since=2, change="nav_changed") for name in CHILD_OBJECTS],
    grants=GRANTS,
    routers=[forms_router, public_forms, leads_router, forecast_router, cash_router, pools_router],
    write_hooks=[
        ActivityKeepsFollowUpDatesCurrent(),
        ConvertedLeadIsReadOnly(),
        OpportunityStageRules(),
        TargetPeriodAndDepartment(),
        QuoteTotals(),
        QuoteLinePricing(),
        ContractRules(),
        PaymentPlanRules(),
        PaymentRules(),
        InvoiceRules(),
        RegistrationGrantsProtection(),
    ],
    jobs=[
        ScheduledJob("remind_renewals", contracts.remind_renewals, cron="0 8 * * *"),
        ScheduledJob("expire_contracts", contracts.expire_contracts, cron="5 0 * * *"),
        # Idle accounts go back to their pools every night (their owners warned first).
        ScheduledJob("reclaim_idle_accounts", reclaim_idle_accounts, cron="30 1 * * *"),
    ],
    demo=demo.populate,
)
