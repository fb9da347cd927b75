"""The customers module's rules around writes."""

from __future__ import annotations

from guanxi.modules.customers.dedupe import company_key_compact
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteEvent


def name_key(name: object) -> str | None:
    """What an account's ``name_key`` holds for ``name``: its company key without spaces."""
    if not isinstance(name, str) or not name.strip():
        return None
    return company_key_compact(name)[:200] or None


class AccountNameKey:
    """An account's matching key follows its name, whoever writes it: the duplicate check
    finds accounts by this indexed key (``字节跳动`` for 北京字节跳动科技有限公司).

    ``before`` may change a create's or an update's values (the records service writes
    ``event.values`` as the hooks leave them), so the key lands in the same row, version
    and history entry as the name. A key written by hand is replaced by the name's."""

    objects = ("account",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action not in ("create", "update"):
            return
        if "name" in event.values:
            event.values["name_key"] = name_key(event.values["name"])
        elif "name_key" in event.values:
            stored = event.stored or {}
            event.values["name_key"] = name_key(stored.get("name"))

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None
