"""What a failure nobody answered is, in the one problem shape (cli/output.py prints it; an intake
worker answers a bundle with it): a refusal raised anywhere (also inside a flow run); a database or object
store that did not answer, a full disk or a read-only home (faults of the place: try again later); else a
fault of Lockstep's own, `internal_error`, named by its type."""
from __future__ import annotations

from collections.abc import Iterator

from documents.problems import Refused, problem

# Codes of a place that did not answer: the work may succeed when it is back (give it back, try again).
PLACE_FAULTS = frozenset({"database_unavailable", "storage_unavailable"})


def _chain(e: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def refusal_of(e: BaseException) -> Refused:
    """The one problem shape for a failure a command did not answer itself: a refusal raised
    anywhere (also inside a flow run), a database or object store that did not answer, a full disk
    or a read-only home. Anything else is a fault of Lockstep's own, named by its type."""
    for x in _chain(e):
        if isinstance(x, Refused):
            return x
        if type(x).__module__.startswith("sqlalchemy"):
            from storage.db import database_fault
            if (refusal := database_fault(x)) is not None:
                return refusal
        if type(x).__module__.startswith(("urllib3", "minio")):
            from storage.objects import _s3_fault
            if (refusal := _s3_fault(x)) is not None:
                return refusal
        if isinstance(x, OSError):
            from storage.objects import disk_fault
            if (refusal := disk_fault(x, "主目录")) is not None:
                return refusal
    # A fault of Lockstep's own: the type names what went wrong (the traceback with LOCKSTEP_DEBUG=1).
    detail = f"内部错误，操作已中止（{type(e).__name__}：{str(e)[:200]}）"
    return Refused(problem("internal_error", detail))
