"""Customer data: accounts (客户) and contacts (联系人)."""

from guanxi.modules import FieldChange, Module
from guanxi.modules.customers import demo
from guanxi.modules.customers.objects import ACCOUNT, CONTACT
from guanxi.modules.customers.roles import GRANTS

MODULE = Module(
    name="customers",
    version=2,
    objects=[ACCOUNT, CONTACT],
    # 2 (2026-12-07): reclaim sweeps and "idle customers" lists filter on the last activity.
    changes=[FieldChange("account", "last_activity_at", since=2, change="made_indexed")],
    grants=GRANTS,
    demo=demo.populate,
)
