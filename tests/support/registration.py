"""Registration numbers as the register gives them (issue 15 item 6e, 统一登记、统一编号): the year in
GHDR-YYYY-NNNN is the year of registration, not the document's, so a test that registers today
expects this year's number."""
from __future__ import annotations

import datetime as dt


def registered(serial: int = 1, prefix: str = "GHDR") -> str:
    """The number the `serial`-th entry registered this year (local time, as the register counts) gets."""
    return f"{prefix}-{dt.datetime.now(dt.timezone.utc).astimezone().year}-{serial:04d}"
