"""Customer data: accounts (客户) and contacts (联系人)."""

from datetime import timedelta

from guanxi.modules import FieldChange, Module, ScheduledJob
from guanxi.modules.customers import demo, duplicates
from guanxi.modules.customers.hooks import AccountNameKey
from guanxi.modules.customers.objects import ACCOUNT, CONTACT
from guanxi.modules.customers.roles import GRANTS

MODULE = Module(
    name="customers",
    label={"en": "Customers", "zh-CN": "客户"},
    version=2,
    objects=[ACCOUNT, CONTACT],
    # 2 (2026-12-07): reclaim sweeps and "idle customers" lists filter on the last
    # activity; the duplicate check looks customers up by phone and e-mail.
    changes=[
        FieldChange(obj, name, since=2, change="made_indexed")
        for obj, name in (
            ("account", "last_activity_at"),
            ("account", "phone"),
            ("account", "email"),
            ("contact", "mobile"),
            ("contact", "phone"),
            ("contact", "email"),
        )
    ],
    grants=GRANTS,
    write_hooks=[AccountNameKey()],
    # Accounts written before name_key existed (or loaded behind the records service) get
    # their key in batches; `duplicates.fill_name_keys` may also be called by hand.
    jobs=[
        ScheduledJob(
            "fill_account_name_keys", duplicates.fill_name_keys, every=timedelta(minutes=10)
        )
    ],
    demo=demo.populate,
)
