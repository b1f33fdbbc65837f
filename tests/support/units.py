"""The ORM's path for a read, to hold a read unit (storage/unit.py Reader) against."""
from __future__ import annotations

import copy


def through_the_orm(svc):
    """The same services with every read unit replaced by a write unit (the ORM's path)."""
    orm = copy.copy(svc)
    orm.reading = orm.unit
    return orm
