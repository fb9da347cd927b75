"""Formula syntax tree and the parser that builds it from tokens."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

from guanxi.platform.query.formula.base import (
    MAX_ARGS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_PATH,
    FormulaError,
)
from guanxi.platform.query.formula.lexer import _describe, _Token, _tokenize

_LiteralKind = Literal["number", "text", "boolean", "null"]


@dataclass(frozen=True, slots=True)
class _Literal:
    kind: _LiteralKind
    value: int | Decimal | str | bool | None
    start: int
    depth: int = 1


@dataclass(frozen=True, slots=True)
class _FieldRef:
    path: tuple[str, ...]
    start: int
    depth: int = 1


@dataclass(frozen=True, slots=True)
class _Unary:
    op: Literal["-", "not"]
    operand: _Node
    start: int  # the operator
    depth: int


@dataclass(frozen=True, slots=True)
class _Binary:
    op: str  # canonical: or and = != < <= > >= & + - * /
    left: _Node
    right: _Node
    pos: int  # the operator, where type errors point
    start: int
    depth: int


@dataclass(frozen=True, slots=True)
class _Call:
    name: str  # upper case
    args: tuple[_Node, ...]
    start: int  # the function name
    depth: int


_Node: TypeAlias = _Literal | _FieldRef | _Unary | _Binary | _Call

# operator token → (canonical operator, binding power); higher binds tighter.
_BINARY: dict[str, tuple[str, int]] = {
    "or": ("or", 1),
    "||": ("or", 1),
    "and": ("and", 2),
    "&&": ("and", 2),
    "=": ("=", 3),
    "==": ("=", 3),
    "!=": ("!=", 3),
    "<>": ("!=", 3),
    "<": ("<", 3),
    "<=": ("<=", 3),
    ">": (">", 3),
    ">=": (">=", 3),
    "&": ("&", 4),
    "+": ("+", 5),
    "-": ("-", 5),
    "*": ("*", 6),
    "/": ("/", 6),
}
_PREFIX_POWER = 7
# Parentheses add parser recursion without adding tree depth; this bounds the recursion.
_MAX_PARSER_NESTING = 3 * MAX_DEPTH


def _depth(start: int, *children: _Node) -> int:
    depth = 1 + max(child.depth for child in children)
    if depth > MAX_DEPTH:
        raise FormulaError(f"formula is nested too deeply (at most {MAX_DEPTH} levels)", start)
    return depth


class _Parser:
    """Recursive descent with precedence climbing (Pratt) for binary operators."""

    def __init__(self, src: str) -> None:
        self.tokens = _tokenize(src)
        self.index = 0
        self.nesting = 0

    def parse(self) -> _Node:
        if self._peek().kind == "end":
            raise FormulaError("formula is empty", 0)
        node = self._expression(0)
        tok = self._peek()
        if tok.kind != "end":
            raise FormulaError(f"unexpected {_describe(tok)}", tok.pos)
        return node

    # -- token helpers ---------------------------------------------------------------
    def _peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def _next(self) -> _Token:
        tok = self.tokens[self.index]
        if tok.kind != "end":
            self.index += 1
        return tok

    def _is_op(self, text: str, ahead: int = 0) -> bool:
        tok = self._peek(ahead)
        return tok.kind == "op" and tok.text == text

    def _expect(self, text: str) -> None:
        tok = self._peek()
        if not self._is_op(text):
            raise FormulaError(f"expected {text!r} but found {_describe(tok)}", tok.pos)
        self._next()

    # -- grammar ---------------------------------------------------------------------
    def _expression(self, min_power: int) -> _Node:
        self.nesting += 1
        if self.nesting > _MAX_PARSER_NESTING:
            raise FormulaError(
                f"formula is nested too deeply (at most {MAX_DEPTH} levels)", self._peek().pos
            )
        left = self._prefix()
        while True:
            tok = self._peek()
            entry = _BINARY.get(tok.key) if tok.kind in ("op", "keyword") else None
            if entry is None or entry[1] < min_power:
                break
            self._next()
            op, power = entry
            right = self._expression(power + 1)  # +1: operators are left-associative
            depth = _depth(tok.pos, left, right)
            left = _Binary(op, left, right, tok.pos, left.start, depth)
        self.nesting -= 1
        return left

    def _prefix(self) -> _Node:
        tok = self._next()
        if tok.kind == "number":
            assert isinstance(tok.value, int | Decimal)
            return _Literal("number", tok.value, tok.pos)
        if tok.kind == "string":
            return _Literal("text", tok.value, tok.pos)
        if tok.kind == "keyword":
            if tok.key in ("true", "false"):
                return _Literal("boolean", tok.key == "true", tok.pos)
            if tok.key == "null":
                return _Literal("null", None, tok.pos)
            if self._is_op("("):  # AND(...), OR(...), NOT(...) are functions too
                return self._call(tok)
            if tok.key == "not":
                operand = self._expression(_PREFIX_POWER)
                return _Unary("not", operand, tok.pos, _depth(tok.pos, operand))
        elif tok.kind == "op" and tok.text in ("-", "!"):
            operand = self._expression(_PREFIX_POWER)
            op: Literal["-", "not"] = "-" if tok.text == "-" else "not"
            return _Unary(op, operand, tok.pos, _depth(tok.pos, operand))
        elif tok.kind == "op" and tok.text == "(":
            inner = self._expression(0)
            self._expect(")")
            return inner
        elif tok.kind == "name":
            if self._is_op("("):
                return self._call(tok)
            return self._field(tok)
        raise FormulaError(f"unexpected {_describe(tok)}", tok.pos)

    def _call(self, name: _Token) -> _Call:
        self._expect("(")
        args: list[_Node] = []
        if not self._is_op(")"):
            while True:
                if len(args) == MAX_ARGS:
                    raise FormulaError(
                        f"{name.text.upper()} has more than {MAX_ARGS} arguments", self._peek().pos
                    )
                args.append(self._expression(0))
                if self._is_op(","):
                    self._next()
                    continue
                tok = self._peek()
                if not self._is_op(")"):
                    raise FormulaError(f"expected ',' or ')' but found {_describe(tok)}", tok.pos)
                break
        self._expect(")")
        depth = _depth(name.pos, *args) if args else 1
        return _Call(name.text.upper(), tuple(args), name.pos, depth)

    def _field(self, first: _Token) -> _FieldRef:
        # Field names are case-insensitive, like the rest of the language.
        path = [first.key]
        while self._is_op("."):
            self._next()
            tok = self._next()
            if tok.kind != "name":
                raise FormulaError(
                    f"expected a field name after '.' but found {_describe(tok)}", tok.pos
                )
            path.append(tok.key)
            if len(path) > MAX_PATH:
                raise FormulaError(f"field path has more than {MAX_PATH} parts", first.pos)
        return _FieldRef(tuple(path), first.pos)


def _parse(expression: str) -> _Node:
    if not isinstance(expression, str):
        raise FormulaError("formula must be text")
    if len(expression) > MAX_LENGTH:
        raise FormulaError(f"formula is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    return _Parser(expression).parse()
