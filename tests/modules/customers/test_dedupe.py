"""Duplicate matching of company names, phones and e-mails (customers/dedupe.py), and its
precision and recall on the labelled pairs in data/company_name_pairs.csv."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanxi.modules.customers.dedupe import (
    COMPANY_KEY_CONTAINS,
    DIFFERENT_REGION,
    DUPLICATE_THRESHOLD,
    SAME_COMPANY_KEY,
    SIMILAR_COMPANY_NAME,
    company_key,
    company_similarity,
    email_key,
    is_duplicate,
    phone_key,
)

PAIRS = Path(__file__).with_name("data") / "company_name_pairs.csv"


def test_the_issues_example_lead_matches_the_existing_account() -> None:
    match = company_similarity("北京字节跳动科技有限公司", "字节跳动（北京）")
    assert match.score == 1.0 and match.reasons == [SAME_COMPANY_KEY]
    assert match.score >= DUPLICATE_THRESHOLD


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("北京字节跳动科技有限公司", "字节跳动"),
        ("阿里巴巴(中国)网络技术有限公司", "阿里巴巴"),
        ("腾讯科技（深圳）有限公司", "腾讯"),
        ("华为技术有限公司", "华为"),
        ("中国平安保险（集团）股份有限公司", "中国平安保险"),
        ("温州市瓯海区正泰电器有限公司", "正泰电器"),
        ("Beijing ByteDance Technology Co., Ltd.", "bytedance"),
        ("Tencent Technology (Shenzhen) Company Limited", "tencent"),
        ("The Procter & Gamble Company", "procter and gamble"),
        ("Nestlé S.A.", "nestle"),
        ("Siemens Aktiengesellschaft", "siemens"),
    ],
)
def test_legal_forms_industry_words_and_regions_are_stripped(name: str, key: str) -> None:
    assert company_key(name) == key


def test_full_width_and_half_width_fold_together() -> None:
    assert (
        company_key("ＴＣＬ科技集团股份有限公司") == company_key("TCL科技集团股份有限公司") == "tcl"
    )
    assert company_key("ＡＢＣ　Ｔｒａｄｉｎｇ　Ｃｏ．，Ｌｔｄ．") == "abc"
    assert company_key("北京　字节跳动　科技有限公司") == "字节跳动"


def test_regions_go_only_from_the_ends_or_brackets_where_they_name_the_place() -> None:
    # 中国 starts the name of a state-owned company; it is a place only in brackets.
    assert company_key("中国银行股份有限公司") == "中国银行"
    assert company_key("Bank of China Limited") == "bank of china"
    # A bare industry noun keeps its city: these are two banks.
    assert company_key("北京银行股份有限公司") == "北京银行"
    assert not is_duplicate("北京银行股份有限公司", "上海银行股份有限公司")
    # A region inside the name stays.
    assert company_key("华中科技大学") == "华中科技大学"


def test_a_key_is_never_empty() -> None:
    assert company_key("北京科技有限公司") == "北京科技"
    assert company_key("有限公司") == "有限公司"
    assert company_key("Technology Co., Ltd.") == "technology"
    assert company_key("北京") == "北京"
    assert company_key("(北京)") == "北京"


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), min_size=1))
def test_any_name_with_a_letter_or_digit_has_a_key(name: str) -> None:
    if any(c.isalnum() for c in name):
        assert company_key(name)


def test_sister_companies_score_below_the_threshold_with_reasons() -> None:
    # Different legal entities of one group: shown as candidates, not duplicates.
    huawei = company_similarity("华为技术有限公司", "华为终端有限公司")
    assert huawei.reasons == [COMPANY_KEY_CONTAINS] and huawei.score < DUPLICATE_THRESHOLD
    beer = company_similarity("青岛啤酒股份有限公司", "重庆啤酒股份有限公司")
    assert beer.score < DUPLICATE_THRESHOLD
    branches = company_similarity("北京链家房地产经纪有限公司", "上海链家房地产经纪有限公司")
    assert branches.reasons == [SAME_COMPANY_KEY, DIFFERENT_REGION]
    assert branches.score < DUPLICATE_THRESHOLD
    # A province and a city in it, or a country and a city, do not conflict.
    assert is_duplicate("金蝶软件（中国）有限公司", "深圳金蝶软件")


def test_look_alike_names_are_not_duplicates() -> None:
    assert company_similarity("腾讯", "腾达").score < 0.6
    assert company_similarity("Apple Inc.", "Applied Materials, Inc.").score < 0.6
    assert not is_duplicate("北京百度网讯科技有限公司", "北京字节跳动科技有限公司")


def test_a_typo_in_a_long_name_is_similar() -> None:
    match = company_similarity("Schneider Electric SE", "Schnieder Electric")
    assert SIMILAR_COMPANY_NAME in match.reasons and match.score >= DUPLICATE_THRESHOLD


def test_similarity_is_symmetric_and_bounded() -> None:
    for a, b in [("华为技术有限公司", "华为终端"), ("Apple", "Applied Materials"), ("", "腾讯")]:
        ab, ba = company_similarity(a, b), company_similarity(b, a)
        assert ab == ba and 0.0 <= ab.score <= 1.0


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("138 0013 8000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("＋８６１３８００１３８０００", "+8613800138000"),
        ("010-8888 1234", "+861088881234"),
        ("(010) 88881234", "+861088881234"),
        ("+1 (650) 253-0000", "+16502530000"),
    ],
)
def test_phone_keys_are_e164(raw: str, e164: str) -> None:
    assert phone_key(raw) == e164


def test_phone_keys_read_local_numbers_in_the_given_region() -> None:
    assert phone_key("(650) 253-0000", region="US") == "+16502530000"


@pytest.mark.parametrize("raw", [None, "", "  ", "abc", "12345", "+86 1"])
def test_no_phone_key_for_what_is_not_a_number(raw: str | None) -> None:
    assert phone_key(raw) is None


def test_email_keys_are_trimmed_and_lower_cased() -> None:
    assert email_key("  Zhang.Wei@ByteDance.COM ") == "zhang.wei@bytedance.com"
    assert email_key("ＺＨＡＮＧ@example.cn") == "zhang@example.cn"
    for bad in (None, "", "zhang", "@example.com", "zhang@localhost", "a b@example.com"):
        assert email_key(bad) is None


def _labelled_pairs() -> list[tuple[str, str, bool]]:
    with PAIRS.open(encoding="utf-8", newline="") as f:
        return [(row["a"], row["b"], row["same"] == "1") for row in csv.DictReader(f)]


def test_the_labelled_set_is_large_balanced_and_clean() -> None:
    pairs = _labelled_pairs()
    positives = sum(same for _, _, same in pairs)
    assert len(pairs) >= 220
    assert 0.4 <= positives / len(pairs) <= 0.6
    assert len({(a, b) for a, b, _ in pairs}) == len(pairs)
    assert all(a.strip() and b.strip() for a, b, _ in pairs)


def test_precision_and_recall_on_the_labelled_pairs_are_at_least_95_percent() -> None:
    tp = fp = fn = 0
    wrong = []
    for a, b, same in _labelled_pairs():
        found = company_similarity(a, b).score >= DUPLICATE_THRESHOLD
        tp += found and same
        fp += found and not same
        fn += same and not found
        if found != same:
            wrong.append((a, b, same))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, wrong)
