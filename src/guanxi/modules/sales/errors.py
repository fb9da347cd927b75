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
