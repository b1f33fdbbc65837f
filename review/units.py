"""Unit names, matched by equality (DESIGN.md, "Identity from the person").

A unit is written by people: with spaces, full-width spaces or full-width letters, and sometimes by
its configured short form (政务服务局 for 根河市政务服务局). Two names name the same unit only when,
after normalising, they are equal, or one is a configured alias of the other. Never by suffix: 局 is
not 政务服务局. A blank name matches nothing, not even another blank.
"""
from __future__ import annotations

import unicodedata
from typing import Iterable, Protocol


class _UnitLike(Protocol):
    name: str
    short: str | None


def norm_unit(name: str | None) -> str:
    """NFKC (full-width letters and spaces become plain), then every kind of space removed."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def same_unit(a: str | None, b: str | None) -> bool:
    """Equality after normalising; a blank name equals nothing."""
    na, nb = norm_unit(a), norm_unit(b)
    return bool(na) and na == nb


class UnitBook:
    """The configured units and their aliases: the only way a short form names a unit."""

    def __init__(self, units: Iterable[_UnitLike] = ()) -> None:
        self._names: dict[str, str] = {}
        for u in units:
            for written in (u.name, u.short):
                if norm_unit(written):
                    self._names.setdefault(norm_unit(written), u.name)

    def canonical(self, written: str | None) -> str | None:
        """The configured unit a name or alias names exactly; None when blank or unknown."""
        return self._names.get(norm_unit(written))

    def same(self, a: str | None, b: str | None) -> bool:
        if not norm_unit(a) or not norm_unit(b):
            return False
        return norm_unit(self.canonical(a) or a) == norm_unit(self.canonical(b) or b)
