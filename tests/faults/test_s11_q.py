"""Brief Q (session 11): the guarantees attacked by races between a rule and the act, on a real
PostgreSQL (one server for this module, a database per test). A second PostgreSQL connection holds a
row lock (an issue's items, or the audit chain's counter that every act takes last) so that one side
of the race is caught between its reads and its commit while the other side runs:

- 撤回公开 while a gazette release runs: never a released web edition (stored or on disk) showing the
  withheld document (was broken: the release read its dossiers unlocked);
- an import of letters while 意见采纳情况 is published: in the summary or refused, never recorded after
  it (was broken: the summary did not take the consultation's lock);
- a person disabled after a process read its people: deciding, signing, withholding, releasing, the
  consultation and 废止 are refused (was broken: only the process's cached people were asked);
- two resubmissions at once are versions 2 and 3; 退回 racing 签发 leaves one outcome (held);
- 废止 racing the expiry check: one status change (was broken: expired, then repealed over it);
- a meeting record corrected while 集体审议 is approved: never rewritten after the approval (was broken).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from services.gazette import issues as gazette

ROOT = Path(__file__).resolve().parents[2]
LOCKSTEP = [sys.executable, "-c", "from cli.main import run; run()"]
REASON = "经审查发现涉及不宜公开的内容，撤回公开"


@pytest.fixture(scope="module")
def pg_module():
    """One PostgreSQL for this module (a database per test)."""
    from tests.support.postgres import postgres_server
    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_svc(pg_module, tmp_path, monkeypatch):
    """A home on its own PostgreSQL database and a folder store; subprocesses inherit the database."""
    from services.home import context as context
    from services.home.context import initialise
    from services.home.folder import Home
    url = pg_module.create_database(f"s11q_{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", url)
    monkeypatch.delenv("LOCKSTEP_OBJECTS", raising=False)
    monkeypatch.delenv("LOCKSTEP_TEST_CRASH_AT", raising=False)
    _, svc = initialise(Home(tmp_path / "home"))
    svc.pg, svc.db_name = pg_module, url.rsplit("/", 1)[1]
    yield svc
    context._engines.pop(url, None)
    svc.engine.dispose()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LOCKSTEP_TEST_CRASH_AT"}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _spawn(home: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([*LOCKSTEP, "--home", str(home), *args, "--json"], cwd=ROOT, env=_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, dict, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    try:
        return proc.returncode, json.loads(out) if out.strip() else {}, err
    except ValueError:
        raise AssertionError(f"exit {proc.returncode}, no JSON:\n{out}\n{err[-3000:]}") from None


def _waiting_on_a_lock(svc, deadline: float) -> bool:
    """Whether another backend of this database waits on a row lock (bounded by deadline)."""
    with svc.pg.connect(autocommit=True) as conn:
        while time.monotonic() < deadline:
            n = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                             (svc.db_name,)).fetchone()[0]
            if n:
                return True
            time.sleep(0.1)
    return False


def _verified(svc) -> None:
    from services.home.storage_check import check
    with svc.unit() as uow:
        assert uow.audit.verify() == []
    report = check(svc, repair=False, grace_seconds=0)
    assert report.clean, report


def test_a_withhold_landing_while_a_release_runs_never_leaves_the_withheld_document_in_its_edition(pg_svc, tmp_path):
    from services.dossiers.withhold import public_manifest, withhold
    from tests.storage.test_gazette_storage import signed_dossier
    svc = pg_svc
    d = signed_dossier(svc, tmp_path / "bundles")
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [d], "editor")
    with svc.unit() as uow:
        title = uow.dossiers.require(d).title
    out = svc.home.path / "gazette"          # where the desk releases (withhold revises it there)

    outcome: dict = {}
    lock = svc.pg.connect(svc.db_name)
    try:
        # The release reads its items, builds both editions, then writes the items' rows: held here.
        lock.execute("SELECT 1 FROM gazette_items WHERE dossier_id = %s FOR UPDATE", (d,))
        proc = _spawn(svc.home.path, "gazette", "issue", "release", "2019-8", "--out", str(out), "--as", "editor",
                      "--date", "2019-08-30")
        try:
            assert _waiting_on_a_lock(svc, time.monotonic() + 90), "the release never reached its writes"

            def withhold_now():
                try:
                    outcome["withheld"] = withhold(svc, d, REASON, "editor")
                except BaseException as e:  # noqa: BLE001 - reported below
                    outcome["error"] = e
            t = threading.Thread(target=withhold_now, daemon=True)
            t.start()
            t.join(3)                   # done now (it did not wait for the release), or waiting on it
        finally:
            lock.rollback()
        t.join(60)
        assert not t.is_alive(), "the withhold did not finish"
        code, answer, err = _finish(proc)
    finally:
        lock.close()

    assert "error" not in outcome, outcome
    assert outcome["withheld"].dossier == d
    issue = gazette.show_issue(svc, "2019-8")
    if code == 0:
        assert issue.status == "released", answer
        # Out, and then withheld: the web edition the public is served and the folder name it no more.
        with svc.unit() as uow:
            row = uow.gazette.issue("2019-8")
            listing = json.loads(uow.store.get(public_manifest(uow, row.web_sha256)))
            pages = {p: uow.store.get(sha).decode("utf-8", "replace") for p, sha in listing.items()
                     if p.endswith(".html")}
        shown = sorted(p for p, text in pages.items() if title in text)
        assert shown == [], f"the withheld {d} is in the public web edition: {shown}"
        on_disk = sorted(str(p.relative_to(out)) for p in (out / "2019-8" / "html").rglob("*.html")
                         if title in p.read_text(encoding="utf-8", errors="replace"))
        assert on_disk == [], f"the withheld {d} is in the released folder: {on_disk}"
        assert outcome["withheld"].issues == ["2019-8"], outcome["withheld"]
    else:
        # Withheld first: the release is refused with its code and the issue is a draft again.
        assert code == 1, (answer, err[-2000:])
        assert "not_public" in json.dumps(answer, ensure_ascii=False), answer
        assert issue.status == "draft"
        assert not (out / "2019-8").exists()
    _verified(svc)


def _hold_the_audit_chain(svc):
    """A second PostgreSQL connection holding the audit chain's counter row: every transaction that
    appends an event waits there, with all its reads and writes before it done and uncommitted."""
    conn = svc.pg.connect(svc.db_name)
    conn.execute("UPDATE counters SET value = value WHERE sequence = 'audit' AND year = 0")
    return conn


def _waiters(svc, n: int, deadline: float) -> bool:
    with svc.pg.connect(autocommit=True) as conn:
        while time.monotonic() < deadline:
            found = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                                 "AND wait_event_type = 'Lock'", (svc.db_name,)).fetchone()[0]
            if found >= n:
                return True
            time.sleep(0.05)
    return False


def _in_thread(outcome: dict, key: str, call) -> threading.Thread:
    def run():
        try:
            outcome[key] = call()
        except BaseException as e:  # noqa: BLE001 - judged by the test
            outcome[key] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_an_import_racing_the_summary_is_in_it_or_refused_never_recorded_after_it(pg_svc, sample_zip):
    """意见采纳情况 published while an import of letters commits: the summary must not be published
    from the comments as they were before the import while the import is recorded too (a comment the
    summary never counts, which nobody may decide any more). One of them is refused with its code."""
    from documents.problems import Refused
    from services.dossiers.intake import intake_bundle
    from services.review import consultation as cons
    svc = pg_svc
    r = intake_bundle([sample_zip(kind="重大行政决策", doc_number="根政发〔2019〕171号")], "drafter", svc)
    assert r.accepted, r.problems
    d = r.dossier
    cons.open_consultation(svc, d, dt.date(2019, 7, 1), dt.date(2019, 7, 31), "drafter")
    cons.record_comments(svc, d, [{"author": "张三", "text": "建议延长申报期限", "received_on": "2019-07-03",
                                   "adopted": "采纳", "response": "已延长"}], "drafter", "录入")

    outcome: dict = {}
    lock = _hold_the_audit_chain(svc)
    try:
        late = [{"author": "李四", "text": "来信：建议增加图解", "received_on": "2019-07-30"}]
        imported = _in_thread(outcome, "import", lambda: cons.record_comments(svc, d, late, "drafter", "来信"))
        assert _waiters(svc, 1, time.monotonic() + 30), "the import never reached its audit event"
        summary = _in_thread(outcome, "summary", lambda: cons.publish_summary(svc, d, "drafter"))
        assert _waiters(svc, 2, time.monotonic() + 30), "the summary neither waited nor finished"
    finally:
        lock.rollback()
        lock.close()
    imported.join(60)
    summary.join(60)
    assert not imported.is_alive() and not summary.is_alive()

    refused = {k: v.problem.code for k, v in outcome.items() if isinstance(v, Refused)}
    errors = {k: v for k, v in outcome.items() if isinstance(v, BaseException) and not isinstance(v, Refused)}
    assert errors == {}, errors
    assert len(refused) == 1, f"both were done: {outcome}"
    assert refused in ({"summary": "consultation_open"}, {"import": "invalid_state"}), refused
    shown = cons.view(svc, d, "drafter")
    published = svc.home.site / "consultations" / f"{d}-summary.html"
    if "summary" in refused:
        assert shown.comments == 2 and not published.exists()
    else:
        assert shown.comments == 1 and published.is_file()
    _verified(svc)


def _approved(svc, sample_zip, number: int) -> str:
    """A dossier through every stage, waiting for its sign-off."""
    from services.dossiers.intake import intake_bundle
    from services.review.actions import record_decision
    r = intake_bundle([sample_zip(doc_number=f"根政办发〔2019〕{number}号")], "drafter", svc)
    assert r.accepted, r.problems
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, r.dossier, stage, "approve", "同意", who)
    return r.dossier


def test_a_person_disabled_while_a_process_holds_them_can_neither_sign_nor_decide(pg_svc, sample_zip):
    """`lockstep users disable signer` commits while a process that read the people before (a warm desk,
    a sign-off command started a moment earlier) is about to act as them: the act is refused
    (unknown_person, 已停用), nothing is signed or decided, and the audit chain is whole."""
    from documents.problems import Refused
    from services.home.accounts import disable_person
    from services.home.context import open_services
    from services.review.actions import record_decision, record_sign_off, status
    svc = pg_svc
    d = _approved(svc, sample_zip, 181)

    warm = open_services(svc.home)             # read its people now: signer and director enabled
    assert warm.config.person("signer") is not None and warm.config.person("director") is not None
    disable_person(open_services(svc.home), "signer", "admin")
    disable_person(open_services(svc.home), "director", "admin")

    with pytest.raises(Refused) as signed:
        record_sign_off(warm, d, "signer")
    assert signed.value.problem.code == "unknown_person", signed.value.problem
    assert status(svc, d).state != "signed"
    with svc.unit() as uow:
        assert uow.jobs.pending("publish") == []
    e = sample_zip(doc_number="根政办发〔2019〕183号")
    from services.dossiers.intake import intake_bundle
    fresh = intake_bundle([e], "drafter", svc).dossier
    with pytest.raises(Refused) as decided:
        record_decision(warm, fresh, "unit_check", "approve", "同意", "director")
    assert decided.value.problem.code == "unknown_person", decided.value.problem
    with svc.unit() as uow:
        assert uow.dossiers.decisions(fresh) == []
    _verified(svc)


def test_two_resubmissions_at_once_are_versions_2_and_3_never_two_2s(pg_svc, sample_zip):
    """Two offices' clerks (the same drafting unit) send a new version of one dossier at the same moment:
    both are kept, numbered 2 and 3 in the order they commit; the dossier's current version is 3."""
    from services.dossiers.intake import intake_bundle
    svc = pg_svc
    first = intake_bundle([sample_zip(doc_number="根政办发〔2019〕191号")], "drafter", svc)
    assert first.accepted, first.problems
    d = first.dossier
    bundles = [sample_zip(doc_number="根政办发〔2019〕191号", title=f"根河市政务公开办法（修改稿{n}）") for n in (1, 2)]
    outcome: dict = {}
    lock = _hold_the_audit_chain(svc)
    try:
        threads = [_in_thread(outcome, n, lambda b=b: intake_bundle([b], "drafter", svc, dossier_hint=d))
                   for n, b in enumerate(bundles)]
        assert _waiters(svc, 2, time.monotonic() + 30), "the two resubmissions did not meet"
    finally:
        lock.rollback()
        lock.close()
    for t in threads:
        t.join(60)
        assert not t.is_alive()
    assert all(not isinstance(r, BaseException) and r.accepted for r in outcome.values()), outcome
    assert sorted(r.version for r in outcome.values()) == [2, 3], outcome
    with svc.unit() as uow:
        row = uow.dossiers.require(d)
        assert row.current_version == 3
        assert [n for n, _, _ in uow.dossiers.revision_notes(d)] == [1, 2, 3]
    _verified(svc)


def test_a_return_landing_while_the_signer_signs_leaves_one_outcome(pg_svc, sample_zip):
    """退回 by the legal reviewer and 签发 by the signer, at once, on a dossier every stage approved: one
    commits, the other is refused with a code; a signed dossier has its publish job, a returned one none."""
    from documents.problems import Refused
    from services.review.actions import record_decision, record_sign_off, status
    svc = pg_svc
    d = _approved(svc, sample_zip, 195)
    outcome: dict = {}
    lock = _hold_the_audit_chain(svc)
    try:
        signing = _in_thread(outcome, "sign", lambda: record_sign_off(svc, d, "signer"))
        assert _waiters(svc, 1, time.monotonic() + 30)
        returning = _in_thread(outcome, "return", lambda: record_decision(
            svc, d, "legality", "return", "第三条与上位法不一致", "reviewer", reasons=["第三条与上位法不一致，请修改"]))
        assert _waiters(svc, 2, time.monotonic() + 60), outcome
    finally:
        lock.rollback()
        lock.close()
    for t in (signing, returning):
        t.join(60)
        assert not t.is_alive()
    errors = {k: v for k, v in outcome.items() if isinstance(v, BaseException) and not isinstance(v, Refused)}
    assert errors == {}, errors
    refused = {k: v.problem.code for k, v in outcome.items() if isinstance(v, Refused)}
    assert len(refused) == 1, outcome
    state = status(svc, d).state
    with svc.unit() as uow:
        jobs = uow.jobs.pending("publish")
    if "return" in refused:
        assert state == "signed_off" and refused["return"] == "invalid_state" and [j.dossier_id for j in jobs] == [d], (state, jobs)
    else:
        assert state == "returned" and refused["sign"] in ("invalid_state", "gate_blocked") and jobs == [], (state, refused)
    _verified(svc)


def test_a_person_disabled_meanwhile_can_neither_withhold_nor_release(pg_svc, tmp_path):
    """The same for the gazette editor: 撤回公开 and 出版 by a process that read the people before
    `lockstep users disable editor` are refused (unknown_person), nothing recorded."""
    from documents.problems import Refused
    from services.dossiers.withhold import withhold, withheld_of
    from services.gazette.release import release_issue
    from services.home.accounts import disable_person
    from services.home.context import open_services
    from tests.storage.test_gazette_storage import signed_dossier
    svc = pg_svc
    d = signed_dossier(svc, tmp_path / "bundles")
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [d], "editor")
    warm = open_services(svc.home)
    assert warm.config.person("editor") is not None
    disable_person(open_services(svc.home), "editor", "admin")
    with pytest.raises(Refused) as w:
        withhold(warm, d, REASON, "editor")
    assert w.value.problem.code == "unknown_person"
    assert withheld_of(svc, d) is None
    with pytest.raises(Refused) as r:
        release_issue(warm, "2019-8", tmp_path / "out", "editor", date=dt.date(2019, 8, 30))
    assert r.value.problem.code == "unknown_person"
    assert gazette.show_issue(svc, "2019-8").status == "draft"
    _verified(svc)


def test_a_repeal_racing_the_expiry_check_leaves_one_status_change(pg_svc, tmp_path):
    """废止 by the registrar while the scheduled check expires the same lapsed entry: one of them changes
    the entry (one event on record, the status it says), the other finds it changed (repeal refused as
    invalid_state, or the entry not among those expired); never expired and then repealed over it."""
    from documents.problems import Refused
    from services.register import life
    from storage.tables import EventRow
    from tests.storage.test_gazette_storage import gazetted, signed_dossier
    svc = pg_svc
    d = signed_dossier(svc, tmp_path / "bundles", "本办法自2019年9月1日起施行，有效期5年。")
    gazetted(svc, tmp_path / "gazette", d)                       # in force: its issue is out (rule 7)
    with svc.unit() as uow:
        number = uow.register.entry_for(d).registration_number
    until = life.show(svc, number).valid_until
    assert until is not None
    outcome: dict = {}
    lock = _hold_the_audit_chain(svc)
    try:
        expiring = _in_thread(outcome, "expire", lambda: life.expire_due(svc, until + dt.timedelta(days=1)))
        assert _waiters(svc, 1, time.monotonic() + 30)
        repealing = _in_thread(outcome, "repeal", lambda: life.repeal(svc, number, "editor", reason="上位法已废止"))
        assert _waiters(svc, 2, time.monotonic() + 60), outcome
    finally:
        lock.rollback()
        lock.close()
    for t in (expiring, repealing):
        t.join(60)
        assert not t.is_alive()
    errors = {k: v for k, v in outcome.items() if isinstance(v, BaseException) and not isinstance(v, Refused)}
    assert errors == {}, errors
    with svc.session() as s:
        events = [e.name for e in s.query(EventRow).filter(EventRow.dossier_id == d,
                                                           EventRow.name.in_(("register.expired", "register.repealed")))]
    status = life.show(svc, number).status
    assert len(events) == 1, (events, status, outcome)
    if events == ["register.expired"]:
        assert status == "expired" and isinstance(outcome["repeal"], Refused), outcome
        assert outcome["repeal"].problem.code == "invalid_state"
    else:
        assert status == "repealed" and [e.registration_number for e in outcome["expire"]] == [], outcome
    _verified(svc)


def test_a_drafter_disabled_meanwhile_can_no_longer_run_the_consultation(pg_svc, sample_zip):
    """征求意见 by a process that read the people before `lockstep users disable drafter`: opening it,
    importing comments and publishing the summary are refused (unknown_person), nothing recorded."""
    from documents.problems import Refused
    from services.dossiers.intake import intake_bundle
    from services.home.accounts import disable_person
    from services.home.context import open_services
    from services.review import consultation as cons
    svc = pg_svc
    r = intake_bundle([sample_zip(kind="重大行政决策", doc_number="根政发〔2019〕241号")], "drafter", svc)
    d = r.dossier
    warm = open_services(svc.home)
    assert warm.config.person("drafter") is not None
    disable_person(open_services(svc.home), "drafter", "admin")
    for call in (lambda: cons.open_consultation(warm, d, dt.date(2019, 7, 1), dt.date(2019, 7, 31), "drafter"),
                 lambda: cons.publish_summary(warm, d, "drafter")):
        with pytest.raises(Refused) as refused:
            call()
        assert refused.value.problem.code == "unknown_person", refused.value.problem
    with svc.unit() as uow:
        assert uow.review.consultation(d) is None
    assert not (svc.home.site / "consultations").exists() or not any((svc.home.site / "consultations").iterdir())
    _verified(svc)


def test_a_registrar_disabled_meanwhile_can_no_longer_repeal(pg_svc, tmp_path):
    from documents.problems import Refused
    from services.home.accounts import disable_person
    from services.home.context import open_services
    from services.register import life
    from tests.storage.test_gazette_storage import signed_dossier
    svc = pg_svc
    d = signed_dossier(svc, tmp_path / "bundles")
    with svc.unit() as uow:
        number = uow.register.entry_for(d).registration_number
    warm = open_services(svc.home)
    disable_person(open_services(svc.home), "editor", "admin")
    with pytest.raises(Refused) as refused:
        life.repeal(warm, number, "editor", reason="上位法已废止")
    assert refused.value.problem.code == "unknown_person", refused.value.problem
    assert life.show(svc, number).status != "repealed"
    _verified(svc)


def test_a_meeting_record_corrected_while_the_stage_is_approved_is_never_changed_after_the_approval(pg_svc, sample_zip):
    """集体审议: the secretary corrects the meeting record while the stage is being approved. The record
    may not change once the stage is approved: the correction commits before the approval (which then
    stands on the corrected record) or is refused (invalid_state); never a record rewritten after it."""
    from documents.problems import Refused
    from services.review.actions import record_decision
    from services.review.deliberation import deliberation_of
    from storage.tables import EventRow
    from tests.storage.test_deliberation import before_deliberation, record
    svc = pg_svc
    d = before_deliberation(svc, sample_zip)
    record(svc, d)
    outcome: dict = {}
    lock = _hold_the_audit_chain(svc)
    try:
        approving = _in_thread(outcome, "approve", lambda: record_decision(svc, d, "deliberation", "approve", "同意",
                                                                           "secretary"))
        assert _waiters(svc, 1, time.monotonic() + 30)
        correcting = _in_thread(outcome, "correct", lambda: record(svc, d, session_number=13))
        _waiters(svc, 2, time.monotonic() + 60)
    finally:
        lock.rollback()
        lock.close()
    for t in (approving, correcting):
        t.join(60)
        assert not t.is_alive()
    assert not isinstance(outcome["approve"], BaseException), outcome
    with svc.session() as s:
        order = [e.name for e in s.query(EventRow).filter(EventRow.dossier_id == d).order_by(EventRow.seq)
                 if e.name in ("review.deliberation.recorded", "review.stage.decided")][-2:]
    if isinstance(outcome["correct"], Refused):
        assert outcome["correct"].problem.code == "invalid_state"
        assert deliberation_of(svc, d).session_number == 12
        # A refused correction stores no minutes (brief H1, session 12: checked first, stored after), and
        # the record's own minutes are named by its row: nothing for storage check --repair to remove.
        from services.home.storage_check import check
        assert check(svc, repair=True, grace_seconds=0).orphan_objects == []
    else:
        assert order == ["review.deliberation.recorded", "review.stage.decided"], order     # corrected, then approved
        assert deliberation_of(svc, d).session_number == 13
    _verified(svc)


def test_a_drafter_disabled_meanwhile_can_no_longer_submit(pg_svc, sample_zip):
    """A bundle submitted by a process that read the people before `lockstep users disable drafter`:
    refused (unknown_person), no dossier, its objects not left counted as stored."""
    from documents.problems import Refused
    from services.dossiers.intake import intake_bundle
    from services.home.accounts import disable_person
    from services.home.context import open_services
    svc = pg_svc
    warm = open_services(svc.home)
    disable_person(open_services(svc.home), "drafter", "admin")
    with pytest.raises(Refused) as refused:
        intake_bundle([sample_zip(doc_number="根政办发〔2019〕251号")], "drafter", warm)
    assert refused.value.problem.code == "unknown_person", refused.value.problem
    from storage.tables import DossierRow
    with svc.session() as s:
        assert s.query(DossierRow).count() == 0
    assert list(svc.store.keys()) == []             # what it stored went again
    _verified(svc)
