"""What a legality opinion's number holds locked (issue 12, item 2: numbers taken after the slow work).

The opinion number comes from a locking counter row (storage/counters.py), held until the commit.
Every read of the decision — the dossier, its version and files, its decisions, consultation and
disclosure, the office's template — happens before the number is taken; after it come only the
render with the number, the docx's `put`, the rows written and the decisions read back for the gate.
"""
from __future__ import annotations

import re

from sqlalchemy import event

from services.dossiers.intake import intake_bundle
from services.review.actions import record_decision


def test_the_opinion_number_is_taken_after_every_read_but_the_gates_decisions(svc, sample_zip):
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    seen: list[str] = []

    def statement(conn, cursor, sql, params, context, executemany):
        seen.append(" ".join(sql.split()))

    store = svc.store
    real_put = store.put

    def put(data, *args, **kwargs):
        seen.append("PUT")
        return real_put(data, *args, **kwargs)

    def commit(conn):
        seen.append("COMMIT")

    event.listen(svc.engine, "before_cursor_execute", statement)
    event.listen(svc.engine, "commit", commit)
    store.put = put
    try:
        decided, answer = record_decision(svc, d, "legality", "return", "", "reviewer", ["一、：表述不清"])
    finally:
        event.remove(svc.engine, "before_cursor_execute", statement)
        event.remove(svc.engine, "commit", commit)
        del store.put
    assert decided.opinion_number and decided.opinion_number.endswith("1号")
    take = seen.index(next(sql for sql in seen if sql.startswith("UPDATE counters")))   # the opinion's
    after = seen[take + 1:seen.index("COMMIT", take)]       # until the decision's transaction commits
    reads = [sql for sql in after if sql.startswith("SELECT")]
    assert all(re.search(r"\bFROM (decisions|counters|events)\b", sql) for sql in reads), reads
    assert "PUT" in after, seen        # the docx carries its number, so it is stored after it
    assert not any(re.search(r"\bFROM (dossiers|versions|version_files|consultations)\b", sql) for sql in after), after
    assert answer.dossier == d
