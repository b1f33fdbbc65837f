"""修改说明 stored with the version (migration 0015) on SQLite and on a real PostgreSQL: a return,
an answered resubmission, an unanswered reason flagged, and a refused answer storing nothing."""
from __future__ import annotations

from services.dossiers.intake import intake_bundle
from services.review.actions import gate_answer, record_decision, status
from tests.cli.test_return_answers import REASONS, revised_zip


def test_answers_are_stored_with_the_new_version_on_sqlite_and_postgresql(db_svc, sample_zip, tmp_path):
    svc = db_svc
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "return", "请修改", "director", list(REASONS))
    assert gate_answer(svc, d).next_move is not None
    refused = intake_bundle([revised_zip(tmp_path, "bad.zip")], "drafter", svc, d, ["理由7=无此理由"])
    assert not refused.accepted and refused.problems[0].code == "not_found" and status(svc, d).version == 1
    r = intake_bundle([revised_zip(tmp_path, note={"一、（二）": "已修改时限"})], "drafter", svc, d,
                      ["理由3=已补充说明"])
    assert r.accepted and r.version == 2
    with svc.unit() as uow:
        stored = uow.dossiers.revision_notes(d)
    assert stored[0][2] is None and stored[1][2]["returned_version"] == 1
    assert [(a["number"], a["key"], a["text"]) for a in stored[1][2]["answers"]] == [
        (1, "一、（二）", "已修改时限"), (3, "理由3", "已补充说明")]
    g = gate_answer(svc, d)
    assert g.next_move is None and [x.answered for x in g.returned.reasons] == [True, False, True]
    assert [w.code for w in g.warnings] == ["reason_unanswered"]
