"""The search index's tokens ("grams"): what a record stores and what a query requires.

A value is case-folded and split into maximal runs of two classes of characters: CJK
(Han ideographs, kana, hangul) and other letters and digits (``str.isalnum``); anything
else separates runs. A CJK run stores its 1- and 2-grams, because Chinese names and
brands are two characters long (张伟, 华为); any other run stores its 2- and 3-grams
(a run of one character stores itself). Phone numbers store their digits.

A query is cut the same way but only requires *full* grams: bigrams of a CJK run (the
character itself for a run of one), 3-grams of another run (the 2-gram for a run of two;
a single Latin letter or digit requires nothing). Whenever a query is a
substring of a value, the query's required grams are all among the value's grams, so
looking them up in the index finds every record that can match. The converse does not
hold (the grams may sit in different places), which is why search verifies candidates on
the real columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Han (with extensions and compatibility ideographs, and 々〆〇), kana, hangul.
_CJK = (
    "\u1100-\u11ff\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"
    "\u3131-\u318e\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
# [^\W_] is exactly str.isalnum(); the second class is that minus the CJK ranges.
_RUNS = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
_NOT_DIGIT = re.compile(r"\D")

MAX_QUERY_TOKENS = 16  # more only narrows candidates a little; verification stays exact


def _runs(text: str) -> Iterable[tuple[bool, str]]:
    """(is_cjk, run) for each maximal run of the case-folded text."""
    for cjk, other in _RUNS.findall(text.casefold()):
        yield (True, cjk) if cjk else (False, other)


def text_grams(text: str, into: set[str] | None = None) -> set[str]:
    """Every gram a value stores (added to ``into`` when given)."""
    out = set() if into is None else into
    for cjk, other in _RUNS.findall(text.casefold()):  # _runs(), inlined: bulk loads call this
        run = cjk or other
        if len(run) == 1:
            out.add(run)
            continue
        pairs = list(map(str.__add__, run, run[1:]))
        out.update(pairs)
        out.update(run if cjk else map(str.__add__, pairs, run[2:]))
    return out


def value_grams(value: object, field_type: str, into: set[str] | None = None) -> set[str]:
    """The grams of one field value: phones contribute their digits, others their text."""
    out = set() if into is None else into
    if value is None:
        return out
    text = str(value)
    if field_type == "phone":
        text = _NOT_DIGIT.sub("", text)
    return text_grams(text, out)


def required_grams(text: str) -> list[str]:
    """Grams a value must have to contain ``text``; empty when the text requires none.

    Not all of them: grams that tile each run without overlapping (and the run's last
    gram), since overlapping ones add little selectivity but cost an index lookup each —
    "有限公司" asks for 有限 and 公司, not 限公. Verification keeps the result exact.
    """
    out: dict[str, None] = {}  # ordered and de-duplicated
    for cjk, run in _runs(text):
        n = len(run)
        size = 2 if cjk else 3
        if n == 1 and not cjk:
            continue
        if n <= size:
            out[run] = None
            continue
        starts = [*range(0, n - size + 1, size), n - size]
        out.update(dict.fromkeys(run[i : i + size] for i in starts))
    return _spread(list(out), MAX_QUERY_TOKENS)


def _spread(grams: list[str], limit: int) -> list[str]:
    """At most ``limit`` grams, spread over the whole query rather than its start."""
    if len(grams) <= limit:
        return grams
    step = (len(grams) - 1) / (limit - 1)
    return [grams[round(i * step)] for i in range(limit)]
