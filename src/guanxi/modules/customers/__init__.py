"""Customer data: accounts (客户) and contacts (联系人)."""

from guanxi.modules import Module
from guanxi.modules.customers.objects import ACCOUNT, CONTACT

MODULE = Module(name="customers", objects=[ACCOUNT, CONTACT])
