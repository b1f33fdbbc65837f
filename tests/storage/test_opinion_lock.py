"""What a legality opinion's number holds locked (issue 12, item 2: numbers taken after the slow work).

The opinion number comes from a locking counter row (storage/counters.py), held until the commit.
Every read of the decision — the dossier, its version and files, its decisions, consultation and
disclosure, the office's template, the docx rendered with a mark for the number — happens before
the number is taken; after it come only the mark's replacement, the docx's `put`, the rows written
and the decisions read back for the gate.
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
    # people: the audit log asks, by its key, whether the actor was disabled meanwhile (storage/audit.py)
    assert all(re.search(r"\bFROM (decisions|counters|events|people)\b", sql) for sql in reads), reads
    assert "PUT" in after, seen        # the docx carries its number, so it is stored after it
    assert not any(re.search(r"\bFROM (dossiers|versions|version_files|consultations)\b", sql) for sql in after), after
    assert answer.dossier == d


def test_an_opinion_numbered_after_rendering_is_the_docx_rendered_with_its_number():
    import datetime as dt

    from services.review.opinions import number_mark, numbered
    from templates.opinion import Opinion, OpinionReason, default_template, render_opinion
    opinion = Opinion(organ="根河市司法局", opinion_number="根司合审〔2026〕12号", title="关于某事的通知",
                      doc_number="根政办发〔2026〕3号", drafting_unit="根河市政务服务局", approved=False,
                      reasons=(OpinionReason(anchor="一、", text="表述不清"),), comment="请修改",
                      reviewer="审核员", date=dt.date(2026, 12, 7))
    import io

    import docx
    edited = docx.Document(io.BytesIO(default_template()))      # an office's own, saved by another writer
    edited.add_paragraph("（编号：{{ opinion_number }}）")
    buffer = io.BytesIO()
    edited.save(buffer)
    for template in (default_template(), buffer.getvalue()):
        mark = number_mark()
        draft = render_opinion(opinion.model_copy(update={"opinion_number": mark}), template)
        assert numbered(draft, mark, opinion.opinion_number) == render_opinion(opinion, template)
