"""Sales (销售): leads to cash (线索到回款) — leads, opportunities, activities, tasks,
products and price books, quotes, contracts, payment plans, payments, invoices, targets."""

from guanxi.modules import Module, ScheduledJob
from guanxi.modules.sales.hooks import ActivityKeepsFollowUpDatesCurrent, ConvertedLeadIsReadOnly
from guanxi.modules.sales.objects import OBJECTS
from guanxi.modules.sales.pools import reclaim_idle_accounts
from guanxi.modules.sales.pools_router import router as pools_router
from guanxi.modules.sales.registration import RegistrationGrantsProtection
from guanxi.modules.sales.roles import GRANTS

MODULE = Module(
    name="sales",
    requires=["customers"],  # leads convert to accounts and contacts; deals belong to accounts
    objects=OBJECTS,
    grants=GRANTS,
    write_hooks=[
        ActivityKeepsFollowUpDatesCurrent(),
        ConvertedLeadIsReadOnly(),
        RegistrationGrantsProtection(),
    ],
    routers=[pools_router],
    # Idle accounts go back to their pools every night (their owners warned first).
    jobs=[ScheduledJob("reclaim_idle_accounts", reclaim_idle_accounts, cron="30 1 * * *")],
)
