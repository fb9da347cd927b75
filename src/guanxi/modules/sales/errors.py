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


class LeadAlreadyConverted(Conflict):
    code = "lead_already_converted"


MESSAGES["lead_already_converted"] = {
    "en": "The lead was converted already.",
    "zh-CN": "该线索已经转化过了。",
}


# Quotes, contracts and payments (报价、合同与回款).

from guanxi.kernel.errors import FieldError, ValidationFailed  # noqa: E402


class QuoteClosed(Conflict):
    """An accepted, rejected, expired or superseded quote keeps its lines and prices."""

    code = "quote_closed"


class QuoteNotAccepted(Conflict):
    code = "quote_not_accepted"


class OpportunityNotWon(Conflict):
    code = "opportunity_not_won"


class ContractExists(Conflict):
    code = "contract_exists"


class Overpayment(ValidationFailed):
    """More money than remains to be collected (on the instalment or the contract)."""

    code = "overpayment"


class OverInvoiced(ValidationFailed):
    code = "over_invoiced"


class OverPlanned(ValidationFailed):
    code = "over_planned"


class StatusTransition(ValidationFailed):
    code = "status_transition"


MESSAGES["quote_closed"] = {
    "en": "The quote is accepted, rejected, expired or superseded: its lines and prices "
    "can no longer be changed. Revise it to make a new version.",
    "zh-CN": "报价单已接受、已拒绝、已过期或已被新版本取代,明细和价格不能再修改;如需调整请生成新版本。",
}
MESSAGES["quote_not_accepted"] = {
    "en": "Only an accepted quote becomes a contract.",
    "zh-CN": "只有已接受的报价单才能生成合同。",
}
MESSAGES["opportunity_not_won"] = {
    "en": "Only a won opportunity becomes a contract.",
    "zh-CN": "只有赢单的商机才能生成合同。",
}
MESSAGES["contract_exists"] = {
    "en": "A contract has already been made from it.",
    "zh-CN": "已经据此生成过合同。",
}
MESSAGES["overpayment"] = {
    "en": "The payment is more than what remains to be collected.",
    "zh-CN": "回款金额超过了剩余应收金额。",
}
MESSAGES["over_invoiced"] = {
    "en": "The invoices would exceed the contract amount.",
    "zh-CN": "开票金额将超过合同金额。",
}
MESSAGES["over_planned"] = {
    "en": "The instalments would exceed the contract amount.",
    "zh-CN": "回款计划金额将超过合同金额。",
}
MESSAGES["status_transition"] = {
    "en": "The status cannot change that way.",
    "zh-CN": "状态不能这样变更。",
}

# Field messages with values in them, in the acting user's language (the SPA shows a
# refused field's message as it comes).
FIELD_MESSAGES: dict[str, dict[str, str]] = {
    "quote_closed": {
        "en": "the quote is {status}: its lines can no longer be changed",
        "zh-CN": "报价单状态为「{status}」,明细不能再修改",
    },
    "quote_superseded": {
        "en": "version {version} replaced this quote: change the latest version",
        "zh-CN": "本报价单已被第 {version} 版取代,请修改最新版本",
    },
    "overpayment_instalment": {
        "en": "exceeds what remains of the instalment: {remaining} {currency}",
        "zh-CN": "超过该期剩余应收金额:{remaining} {currency}",
    },
    "overpayment_contract": {
        "en": "exceeds what remains to be collected on the contract: {remaining} {currency}",
        "zh-CN": "超过合同剩余应收金额:{remaining} {currency}",
    },
    "over_invoiced": {
        "en": "exceeds what remains to be invoiced on the contract: {remaining} {currency}",
        "zh-CN": "超过合同剩余可开票金额:{remaining} {currency}",
    },
    "over_planned": {
        "en": "the instalments add up to {planned} {currency}, more than the contract's {amount}",
        "zh-CN": "回款计划合计 {planned} {currency},超过合同金额 {amount}",
    },
    "below_collected": {
        "en": "is less than what has already been collected: {collected} {currency}",
        "zh-CN": "低于已回款金额:{collected} {currency}",
    },
    "status_transition": {
        "en": "a {old} contract cannot become {new} (allowed: {allowed})",
        "zh-CN": "合同状态不能从「{old}」变为「{new}」(可变为:{allowed})",
    },
    "price_required": {
        "en": "give a unit price, a price book entry or a product with a list price",
        "zh-CN": "请填写单价,或选择价格表明细或带标准价格的产品",
    },
    "name_required": {
        "en": "give a name, a price book entry or a product",
        "zh-CN": "请填写品名,或选择价格表明细或产品",
    },
    "currency_mismatch": {
        "en": "is in {given}, the quote in {currency}",
        "zh-CN": "币种为 {given},与报价单币种 {currency} 不一致",
    },
    "currency_locked": {
        "en": "the quote has lines: remove them or revise the quote to change its currency",
        "zh-CN": "报价单已有明细,不能修改币种",
    },
    "wrong_contract": {
        "en": "the instalment belongs to another contract",
        "zh-CN": "该回款计划属于其他合同",
    },
    "already_registered": {
        "en": "{name} is already registered by {owner}: ask them, or an administrator to transfer it",
        "zh-CN": "客户「{name}」已由 {owner} 报备,请联系对方或由管理员转移",
    },
    "registered_in_pool": {
        "en": "{name} is in the customer pool: claim it from there",
        "zh-CN": "客户「{name}」在公海中,请从公海领取",
    },
}


def say(locale: str, key: str, **values: object) -> str:
    """A field message in the user's language (English unless they read Chinese)."""
    texts = FIELD_MESSAGES[key]
    return texts["zh-CN" if locale.lower().startswith("zh") else "en"].format(**values)


def field_refusal(
    error: type[ValidationFailed], field: str, locale: str, key: str, **values: object
) -> ValidationFailed:
    """A 422 naming ``field``, its message in the user's language, its code ``error.code``."""
    message = say(locale, key, **values)
    return error(
        f"{field}: {say('en', key, **values)}", errors=[FieldError(field, message, error.code)]
    )


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


class AlreadyRegistered(Conflict):
    """Registering a customer someone already has (撞单): the earlier registration wins."""

    code = "already_registered"


MESSAGES["already_registered"] = {
    "en": "This customer is already registered.",
    "zh-CN": "该客户已被报备。",
}
