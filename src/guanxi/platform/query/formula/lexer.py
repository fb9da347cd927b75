"""Formula tokenizer: text to tokens, with positions for error messages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from guanxi.platform.query.formula.base import (
    _MAX_DIGITS,
    FormulaError,
)

_DIGITS = frozenset("0123456789")
_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_CHARS = _IDENT_START | _DIGITS
_SPACE = frozenset(" \t\r\n\f\v")
_KEYWORDS = frozenset({"true", "false", "null", "and", "or", "not"})
_TWO_CHAR_OPS = frozenset({"&&", "||", "==", "!=", "<>", "<=", ">="})
_ONE_CHAR_OPS = frozenset("+-*/&=<>!(),.")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}
_INT64_MAX = 2**63 - 1

_TokenKind = Literal["number", "string", "name", "keyword", "op", "end"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _TokenKind
    text: str  # as written in the formula
    pos: int
    value: int | Decimal | str | None = None

    @property
    def key(self) -> str:
        """Case-insensitive identity of keywords, names and operators."""
        return self.text.lower()


def _tokenize(src: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch in _SPACE:
            i += 1
        elif ch in _DIGITS or (ch == "." and i + 1 < n and src[i + 1] in _DIGITS):
            i = _scan_number(src, i, tokens)
        elif ch in _IDENT_START:
            start = i
            while i < n and src[i] in _IDENT_CHARS:
                i += 1
            word = src[start:i]
            tokens.append(_Token("keyword" if word.lower() in _KEYWORDS else "name", word, start))
        elif ch in "'\"":
            i = _scan_string(src, i, tokens)
        elif src[i : i + 2] in _TWO_CHAR_OPS:
            tokens.append(_Token("op", src[i : i + 2], i))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(_Token("op", ch, i))
            i += 1
        else:
            hint = " (use || or OR)" if ch == "|" else ""
            raise FormulaError(f"unexpected character {ch!r}{hint}", i)
    tokens.append(_Token("end", "", n))
    return tokens


def _scan_number(src: str, start: int, tokens: list[_Token]) -> int:
    i, n = start, len(src)
    while i < n and src[i] in _DIGITS:
        i += 1
    if i < n and src[i] == ".":
        i += 1
        if i >= n or src[i] not in _DIGITS:
            raise FormulaError("expected a digit after the decimal point", i)
        while i < n and src[i] in _DIGITS:
            i += 1
    if i < n and (src[i] in _IDENT_CHARS or src[i] == "."):
        raise FormulaError("invalid number", start)
    text = src[start:i]
    if len(text) > _MAX_DIGITS:
        raise FormulaError(f"number has more than {_MAX_DIGITS} digits", start)
    value: int | Decimal = Decimal(text) if "." in text else int(text)
    if isinstance(value, int) and value > _INT64_MAX:
        # SQLite integers are 64-bit; a bigger literal would fail when bound.
        raise FormulaError("number is too large", start)
    tokens.append(_Token("number", text, start, value))
    return i


def _scan_string(src: str, start: int, tokens: list[_Token]) -> int:
    quote, i, n = src[start], start + 1, len(src)
    parts: list[str] = []
    while True:
        if i >= n:
            raise FormulaError("unterminated text literal", start)
        ch = src[i]
        if ch == quote:
            break
        if ch == "\\":
            if i + 1 >= n:
                raise FormulaError("unterminated text literal", start)
            escaped = _ESCAPES.get(src[i + 1])
            if escaped is None:
                raise FormulaError(f"unknown escape sequence \\{src[i + 1]}", i)
            parts.append(escaped)
            i += 2
            continue
        # PostgreSQL text cannot hold NUL and lone surrogates cannot be encoded as UTF-8:
        # refuse them here rather than fail when the query runs.
        if ch == "\x00" or "\ud800" <= ch <= "\udfff":
            raise FormulaError("text literal contains an invalid character", i)
        parts.append(ch)
        i += 1
    tokens.append(_Token("string", src[start : i + 1], start, "".join(parts)))
    return i + 1


def _describe(tok: _Token) -> str:
    if tok.kind == "end":
        return "end of formula"
    if tok.kind == "string":
        return "text literal"
    if tok.kind in ("name", "keyword", "number"):
        return f"{tok.kind} {tok.text!r}"
    return repr(tok.text)
