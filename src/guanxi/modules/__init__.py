"""Business modules: each declares its standard objects as metadata, plus its own logic."""

from __future__ import annotations

from dataclasses import dataclass

from guanxi.platform.metadata.service import ObjectDeclaration


@dataclass(frozen=True)
class Module:
    name: str
    objects: list[ObjectDeclaration]


def installed() -> list[Module]:
    """Modules in dependency order."""
    from guanxi.modules import customers

    return [customers.MODULE]
