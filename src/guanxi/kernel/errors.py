"""Domain errors: a stable code, an HTTP status and a message in every UI language.

Services raise these; the API layer renders them as RFC 9457 problem+json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

LANGUAGES = ("en", "zh-CN")

# Every error code has a message in both languages (checked by a test).
MESSAGES: dict[str, dict[str, str]] = {
    "validation_failed": {"en": "Some values are not valid.", "zh-CN": "部分字段的值无效。"},
    "not_found": {"en": "The requested item does not exist.", "zh-CN": "请求的对象不存在。"},
    "version_conflict": {
        "en": "The record was changed by someone else; reload it and try again.",
        "zh-CN": "记录已被他人修改,请刷新后重试。",
    },
    "precondition_required": {
        "en": "Send the record's version (If-Match header or 'version') to update it.",
        "zh-CN": "更新记录时必须提供版本号(If-Match 请求头或 version 字段)。",
    },
    "conflict": {
        "en": "The request conflicts with existing data.",
        "zh-CN": "请求与现有数据冲突。",
    },
    "unsafe_type_change": {
        "en": "This field type change could lose data and is refused.",
        "zh-CN": "该字段类型变更可能导致数据丢失,已拒绝。",
    },
    "unauthenticated": {
        "en": "Sign in or send a valid API token.",
        "zh-CN": "请登录或提供有效的 API 令牌。",
    },
    "permission_denied": {"en": "You may not do this.", "zh-CN": "您没有执行此操作的权限。"},
    "bad_request": {"en": "The request is malformed.", "zh-CN": "请求格式不正确。"},
    "too_large": {"en": "The request is too large.", "zh-CN": "请求体过大。"},
    "query_timeout": {
        "en": "The request took longer than the server allows; narrow it or try again later.",
        "zh-CN": "请求耗时超过服务器允许的上限,请缩小查询范围或稍后重试。",
    },
    "table_busy": {
        "en": "The object's records are being changed by other work; try again in a moment.",
        "zh-CN": "该对象的记录正被其他操作占用,请稍后重试。",
    },
    "unavailable": {
        "en": "This feature is not set up on the server yet; ask your administrator.",
        "zh-CN": "服务器尚未配置此功能,请联系管理员。",
    },
    "bad_gateway": {
        "en": "A service Guanxi depends on did not answer as expected; try again later.",
        "zh-CN": "Guanxi 依赖的外部服务未正常响应,请稍后重试。",
    },
}


@dataclass(frozen=True)
class FieldError:
    """One bad value: which field (dotted path), why, and for bulk calls which row."""

    field: str
    message: str
    code: str = "invalid"
    index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "code": self.code, "message": self.message}
        if self.index is not None:
            out = {"index": self.index, **out}
        return out


@dataclass
class DomainError(Exception):
    """Base for errors a user can act on."""

    detail: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    code: ClassVar[str] = "bad_request"
    status: ClassVar[int] = 400

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.code)

    def title(self, language: str = "en") -> str:
        messages = MESSAGES[self.code]
        return messages.get(language, messages["en"])


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class VersionConflict(DomainError):
    code = "version_conflict"
    status = 412


class PreconditionRequired(DomainError):
    code = "precondition_required"
    status = 428


class Conflict(DomainError):
    code = "conflict"
    status = 409


class UnsafeTypeChange(DomainError):
    code = "unsafe_type_change"
    status = 409


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class BadGateway(DomainError):
    code = "bad_gateway"
    status = 502


class QueryTimeout(DomainError):
    """The database cut a request's work off at the query time limit (ADR 0012); its
    transaction was rolled back. 503: the server cannot tell a costly request from a busy
    or locked database, and either way nothing was done."""

    code = "query_timeout"
    status = 503


class TableBusy(DomainError):
    """A metadata change could not lock an object's table within a few seconds (other
    transactions use it) and gave up rather than make every reader queue behind it;
    nothing was changed."""

    code = "table_busy"
    status = 503


class Unavailable(DomainError):
    """Something the server needs for this request is not installed (the detail says what
    and how to install it); nothing was changed."""

    code = "unavailable"
    status = 503


ALL_ERRORS: tuple[type[DomainError], ...] = (
    BadRequest,
    ValidationFailed,
    NotFound,
    VersionConflict,
    PreconditionRequired,
    Conflict,
    UnsafeTypeChange,
    Unauthenticated,
    PermissionDenied,
    BadGateway,
    QueryTimeout,
    TableBusy,
    Unavailable,
)


def invalid(field_name: str, message: str, code: str = "invalid") -> ValidationFailed:
    """Shorthand for a validation error about a single field."""
    return ValidationFailed(
        detail=f"{field_name}: {message}", errors=[FieldError(field_name, message, code)]
    )
