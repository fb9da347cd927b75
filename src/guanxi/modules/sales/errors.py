"""Domain errors of the sales module (codes and messages in both languages)."""

from __future__ import annotations

from guanxi.kernel.errors import MESSAGES, Conflict


class LeadConverted(Conflict):
    """A converted lead is a record of what happened: it keeps its links, not edits."""

    code = "lead_converted"


MESSAGES["lead_converted"] = {
    "en": "The lead has been converted; it can no longer be changed.",
    "zh-CN": "线索已转化,不能再修改。",
}


# -- customer pools (公海) ------------------------------------------------------------------
class AlreadyClaimed(Conflict):
    """Someone claimed the account first (or it was never in the pool's hands)."""

    code = "already_claimed"


class ClaimLimitReached(Conflict):
    """The caller owns as many accounts as the pool lets a member hold."""

    code = "claim_limit_reached"


class ClaimCooldown(Conflict):
    """The previous owner returned the account too recently to take it back."""

    code = "claim_cooldown"


class NotInPool(Conflict):
    """The account is not owned, so it cannot be released again."""

    code = "account_in_pool"


MESSAGES["already_claimed"] = {
    "en": "Someone else has already claimed this account.",
    "zh-CN": "该客户已被他人领取。",
}
MESSAGES["claim_limit_reached"] = {
    "en": "You already own as many accounts as this pool allows; release one before claiming.",
    "zh-CN": "您名下的客户数已达到该公海的领取上限,请先退回客户再领取。",
}
MESSAGES["claim_cooldown"] = {
    "en": "You returned this account recently; you may claim it again once the cool-down ends.",
    "zh-CN": "您近期退回过该客户,冷却期结束后才能再次领取。",
}
MESSAGES["account_in_pool"] = {
    "en": "The account is already in a pool.",
    "zh-CN": "该客户已在公海中。",
}
