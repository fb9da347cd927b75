"""Customer data: accounts (客户) and contacts (联系人)."""

from guanxi.modules import Module
from guanxi.modules.customers import demo
from guanxi.modules.customers.objects import ACCOUNT, CONTACT
from guanxi.modules.customers.roles import GRANTS

MODULE = Module(
    name="customers",
    objects=[ACCOUNT, CONTACT],
    grants=GRANTS,
    demo=demo.populate,
)
