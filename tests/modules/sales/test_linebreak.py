"""Breaking mixed Chinese and English lines for a PDF column (each character one unit wide)."""

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from guanxi.modules.sales.linebreak import NO_LINE_END, NO_LINE_START, wrap


def width(text: str) -> float:
    return float(len(text))


def test_chinese_breaks_between_any_two_characters() -> None:
    assert wrap("华为云服务器年度包月套餐", 5, width) == ["华为云服务", "器年度包月", "套餐"]


def test_english_words_stay_whole_and_spaces_at_a_break_are_dropped() -> None:
    assert wrap("installation and training", 14, width) == ["installation", "and training"]


def test_mixed_text_fills_the_line_before_breaking_the_chinese() -> None:
    assert wrap("32 GiB）年度包月套餐", 10, width) == ["32 GiB）年度包", "月套餐"]


def test_no_line_starts_with_a_closing_mark() -> None:
    assert wrap("一二三四，五六", 4, width) == ["一二三", "四，五六"]
    assert wrap("北京（海淀）有限公司", 5, width) == ["北京（海", "淀）有限公", "司"]


def test_no_line_ends_with_an_opening_mark() -> None:
    assert wrap("一二三「四五」", 4, width) == ["一二三", "「四五」"]


def test_a_word_wider_than_the_column_is_cut() -> None:
    assert wrap("https://guanxi.example/q/42", 10, width) == ["https://gu", "anxi.examp", "le/q/42"]


def test_newlines_are_kept() -> None:
    assert wrap("第一行\n\n第三行", 10, width) == ["第一行", "", "第三行"]


@given(st.text(alphabet="一二三四五六七，。（）「」ab cd-efgh", max_size=60), st.integers(2, 12))
def test_lines_fit_and_lose_no_character(text: str, columns: int) -> None:
    lines = wrap(text, columns, width)
    assert all(len(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@given(st.text(alphabet="一二三四五六七，。、）」（「", max_size=60), st.integers(4, 12))
def test_marks_stay_with_their_characters(text: str, columns: int) -> None:
    lines = wrap(text, columns, width)
    for before, line in pairwise(lines):
        # A closing mark leads a line only when the line before is all marks that could
        # not move; an opening mark ends a line only when it is the whole line.
        if line and line[0] in NO_LINE_START:
            assert all(char in NO_LINE_START | NO_LINE_END for char in before[1:])
        if before and before[-1] in NO_LINE_END:
            assert all(char in NO_LINE_END for char in before)
