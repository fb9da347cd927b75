"""Line breaking for mixed Chinese and English text in a PDF column.

fpdf2 breaks lines at spaces only: a run of Chinese without spaces counts as one word, so
"8 vCPU | 32 GiB）年度包月套餐——含企业级技术支持" wrapped by it leaves "32" alone on a line
and then cuts the Chinese wherever the column ends. Here a line may break between any two
Chinese characters and at spaces, English words stay whole (unless one is wider than the
column), and the basic 禁则 (kinsoku) rules hold: no line starts with a closing mark such
as ，。）」 and none ends with an opening mark such as （「.
"""

import unicodedata
from collections.abc import Callable

NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…·%,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break `text` into lines no wider than `width` as `measure` sees them.

    Newlines in `text` start new lines; spaces at a break are dropped.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, measure))
    return lines


def _tokens(text: str) -> list[str]:
    """Spaces, single wide (CJK) characters, and runs of everything else (words)."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isspace() or unicodedata.east_asian_width(char) in ("W", "F"):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        else:  # letters, digits and ASCII punctuation: "(8" and "Ltd.," break as one word
            word += char
    if word:
        tokens.append(word)
    return tokens


def _wrap_paragraph(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    line: list[str] = []

    def fits(tokens: list[str]) -> bool:
        return measure("".join(tokens).rstrip()) <= width

    def break_before(token: str | None) -> list[str]:
        """End the line before `token`; return what moves to the next line with it."""
        while line and line[-1].isspace():
            line.pop()
        carry: list[str] = []
        if token is not None and token[0] in NO_LINE_START:
            # a closing mark (or a run of them) takes the character before it along
            while len(line) > 1 and line[-1] in NO_LINE_START:
                carry.insert(0, line.pop())
            if len(line) > 1:
                carry.insert(0, line.pop())
        while len(line) > 1 and line[-1] in NO_LINE_END:
            carry.insert(0, line.pop())
        lines.append("".join(line))
        return carry

    for token in _tokens(text):
        if not line and token.isspace():
            continue
        if fits([*line, token]):
            line.append(token)
            continue
        if token.isspace():
            line = break_before(None)
            continue
        line = break_before(token) if line else []
        if fits([*line, token]):
            line.append(token)
            continue
        for char in token:  # a word wider than the column: cut it where it ends
            if line and not fits([*line, char]):
                lines.append("".join(line).rstrip())
                line = []
            line.append(char)
    lines.append("".join(line).rstrip())
    return lines
