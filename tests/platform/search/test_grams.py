"""The search index's grams: what a value stores, what a query requires."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.platform.search.grams import (
    MAX_QUERY_TOKENS,
    required_grams,
    text_grams,
    value_grams,
)
from guanxi.platform.search.tables import index_key


def test_a_chinese_run_stores_each_character_and_each_pair() -> None:
    assert text_grams("张伟") == {"张", "伟", "张伟"}
    assert text_grams("华为公司") == {"华", "为", "公", "司", "华为", "为公", "公司"}


def test_a_latin_run_stores_pairs_and_triples_case_folded() -> None:
    assert text_grams("Globex") == {"gl", "lo", "ob", "be", "ex", "glo", "lob", "obe", "bex"}
    assert text_grams("A") == {"a"}
    assert text_grams("STRAẞE") == text_grams("strasse")


def test_punctuation_and_spaces_separate_runs_and_scripts_split_runs() -> None:
    assert text_grams("a.b") == {"a", "b"}
    assert text_grams("华为Mate") == {"华", "为", "华为", "ma", "at", "te", "mat", "ate"}
    assert text_grams("info@yun.cn") >= {"inf", "nfo", "yun", "cn"}
    assert "o@y" not in text_grams("info@yun.cn")


def test_kana_and_hangul_count_as_cjk() -> None:
    assert text_grams("すし") == {"す", "し", "すし"}
    assert text_grams("김치") == {"김", "치", "김치"}


def test_a_phone_stores_its_digits() -> None:
    assert value_grams("+8613800138000", "phone") == text_grams("8613800138000")
    assert value_grams(None, "phone") == set()
    assert value_grams("021-6288 1234", "text") == text_grams("021 6288 1234")


def test_a_query_requires_full_grams_that_tile_it() -> None:
    assert required_grams("张伟") == ["张伟"]
    assert required_grams("张") == ["张"]
    assert required_grams("张伟华") == ["张伟", "伟华"]
    assert required_grams("有限公司") == ["有限", "公司"]
    assert required_grams("ab") == ["ab"]
    assert required_grams("abc") == ["abc"]
    assert required_grams("abcd") == ["abc", "bcd"]
    assert required_grams("GLOBEX") == ["glo", "bex"]
    assert required_grams("tailspin") == ["tai", "lsp", "pin"]
    assert required_grams("华为 P") == ["华为"]  # one Latin letter requires nothing
    assert required_grams("a") == []
    assert required_grams('"*-:() ') == []


def test_repeated_grams_are_required_once_and_long_queries_are_capped() -> None:
    assert required_grams("aaaa aaa") == ["aaa"]
    long = required_grams(
        "abcdefghijklmnopqrstuvwxyz0123456789 零一二三四五六七八九十百千万亿兆京垓秭穰沟涧正载极"
    )
    assert len(long) == MAX_QUERY_TOKENS
    assert long[0] == "abc" and long[-1] == "载极"  # spread over the whole query


def test_grams_never_hold_the_separator_of_index_keys() -> None:
    assert index_key("sales_order", "华为") == "sales_order:华为"
    assert not any(":" in g or " " in g for g in text_grams("a:b c_d:华为 e::f"))


# Characters from every class the tokenizer distinguishes, and any other text.
MIXED = st.text(
    alphabet=st.sampled_from(
        list('张伟华为云帆有限公司すしカナ김치abcXYZß0123456789 .-@_+()"*:İﬁΣς')
    ),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(MIXED, st.text(max_size=40)), data=st.data())
def test_every_substring_requires_only_grams_the_text_has(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(min_value=0, max_value=len(text)))
    end = data.draw(st.integers(min_value=start, max_value=len(text)))
    needle = text[start:end]
    assert set(required_grams(needle)) <= text_grams(text)
