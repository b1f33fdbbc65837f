"""集体审议: the record of the meeting that deliberated a dossier version (issue 14).

The 常务会议 secretary records, for the version under review, the meeting (市政府常务会议), its
number (第12次), the date it was held and the minutes (会议纪要, a docx). The minutes are stored in
the object store under their sha256 once the record has passed its checks (a refusal stores nothing),
before the row that names them, and their text is extracted with python-docx into the record, so
that `search` finds a meeting by what was said.
Who may record is the rulebook's (review.rules.may_record_deliberation: the stage's approvers);
a stage marked `meeting_record` is approved only with the record (review.rules.
deliberation_record_problem, asked by services/review/actions.py). Each record or correction is an
audited `review.deliberation.recorded` event in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import ClassVar

from pydantic import BaseModel

from documents.problems import Refused, problem
from review import rules
from review.gate import active_stages
from review.model import Event
from services.home.context import Services
from services.home.crashpoints import crash_point
from services.review.basics import person, pipeline_for, today

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEETING_MAX = 100          # characters of a meeting's name
EXCERPT = 40               # characters either side of a search hit


class DeliberationRecorded(Event):
    name: ClassVar[str] = "review.deliberation.recorded"
    version: int
    stage: str
    meeting: str
    session_number: int | None
    held_on: dt.date
    minutes_name: str | None
    minutes_sha256: str | None
    replaced: bool = False         # a correction of the version's earlier record


class DeliberationRecord(BaseModel):
    dossier: str
    version: int
    meeting: str
    session_number: int | None
    held_on: dt.date
    minutes_name: str | None
    minutes_sha256: str | None
    recorded_by: str
    recorded_at: dt.datetime
    title: str = ""                # the dossier's title (search hits)
    excerpt: str = ""              # the minutes around the hit (search hits)

    @property
    def words(self) -> str:
        """市政府常务会议第12次会议（2026年12月1日）: as the sign page and the CLI say it."""
        return meeting_words(self.meeting, self.session_number, self.held_on)

    @property
    def minutes_href(self) -> str | None:
        return f"/desk/dossiers/{self.dossier}/deliberation/minutes" if self.minutes_sha256 else None


def meeting_words(meeting: str, session_number: int | None, held_on: dt.date) -> str:
    number = f"第{session_number}次会议" if session_number else ""
    return f"{meeting}{number}（{held_on.year}年{held_on.month}月{held_on.day}日）"


def record_problem(meeting: str, session_number: int | None, held_on: dt.date | None, on: dt.date):
    """What is missing or wrong in a record as typed, or None (pure)."""
    if not meeting.strip():
        return problem("deliberation_record_missing", "请填写会议名称（如 市政府常务会议）", advice="")
    if len(meeting.strip()) > MEETING_MAX:
        return problem("deliberation_record_missing", f"会议名称不超过 {MEETING_MAX} 个字", advice="")
    if session_number is not None and not 1 <= session_number <= 9999:
        return problem("deliberation_record_missing", "会议届次应为正整数，如 12（第12次会议）", advice="")
    if held_on is None:
        return problem("deliberation_record_missing", "请填写会议日期，如 2026-12-01 或 2026年12月1日", advice="")
    if held_on > on:
        return problem("deliberation_record_missing", f"会议日期 {held_on.isoformat()} 晚于今天，会议须已召开",
                       advice="")
    return None


def minutes_text(name: str, data: bytes) -> str:
    """The minutes' text for search: every paragraph and table cell, in order (python-docx).
    A file that is not a readable docx is refused (not_docx / encrypted_document)."""
    from documents.docx_read import open_docx
    doc, problems = open_docx(name, data)
    if doc is None:
        raise Refused(*problems)
    import docx
    document = docx.Document(io.BytesIO(data))
    lines = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                text = cell.text.strip()
                if text and (not cells or cells[-1] != text):      # merged cells repeat their text
                    cells.append(text)
            if cells:
                lines.append(" ".join(cells))
    return "\n".join(lines)


def record_deliberation(svc: Services, dossier_id: str, *, meeting: str, session_number: int | None,
                        held_on: dt.date | None, minutes_name: str | None, minutes: bytes | None,
                        actor_name: str, version: int | None = None) -> DeliberationRecord:
    """Record (or, before the stage is approved, correct) the meeting that deliberated the current
    version. Refused: a stranger as for a missing dossier (not_found); whoever may not approve the
    stage (not_permitted); a closed dossier or an already approved stage (invalid_state); an
    incomplete record (deliberation_record_missing); minutes that are not a docx (not_docx).
    `version`: the version the form was for (the review page's); another current one is refused
    (invalid_state), never given a meeting that deliberated an earlier one."""
    actor = person(svc.config, actor_name)
    meeting = " ".join((meeting or "").split())
    with svc.unit() as uow:          # the person first: a stranger learns nothing of the dossier
        _guard(svc, uow, dossier_id, actor)
    if found := record_problem(meeting, session_number, held_on, today(svc)):
        raise Refused(found)
    if not minutes:
        raise Refused(problem("deliberation_record_missing", "请附会议纪要（docx）", advice=""))
    name = (minutes_name or "会议纪要.docx").replace("\\", "/").rsplit("/", 1)[-1].strip() or "会议纪要.docx"
    if not name.lower().endswith(".docx"):
        raise Refused(problem("not_docx", f"会议纪要 {name} 不是 .docx 文件", file=name))
    text = minutes_text(name, minutes)
    sha = hashlib.sha256(minutes).hexdigest()      # stored only once every check has passed (below)
    wanted = version

    def once() -> DeliberationRecord:
        from storage.tables import DeliberationRow
        with svc.unit() as uow:
            uow.dossiers.hold({dossier_id})      # first: an approval under way commits before these reads
            row, view, stage = _guard(svc, uow, dossier_id, actor)
            version = view.current
            if wanted is not None and wanted != version.number:
                raise Refused(problem("invalid_state", f"会议记录表是第 {wanted} 版的，卷宗现为第 {version.number} 版："
                                                       "请核对该会议审议的是哪一版后重新记录"))
            decided = [d for d in uow.dossiers.decisions(dossier_id)
                       if d.stage == stage.id and d.fingerprint == version.fingerprint]
            if decided and decided[-1].verdict == "approve":
                raise Refused(problem("invalid_state", f"“{stage.name}”已在第 {version.number} 版上通过，会议记录不能再改"))
            now = svc.now()
            record = uow.deliberations.for_version(dossier_id, version.number)
            replaced = record is not None
            if replaced and (record.meeting, record.session_number, record.held_on, record.minutes_name,
                             record.minutes_sha256) == (meeting, session_number, held_on, name, sha):
                return _shown(record)          # the same record again (a double click): nothing to correct
            # Checked first, stored after: a refusal above leaves no object behind. The object goes in
            # before the row that names it; a kill between the two leaves an orphan that `lockstep storage
            # check` reports and `--repair` removes.
            if svc.store.put(minutes, content_type=DOCX) != sha:
                raise AssertionError("object store key must be the content's SHA-256")
            crash_point("deliberation.minutes_stored")      # tests/faults: the object stored, no row
            if record is None:
                record = DeliberationRow(dossier_id=dossier_id, version=version.number)
            record.meeting, record.session_number, record.held_on = meeting, session_number, held_on
            record.minutes_name, record.minutes_sha256, record.minutes_text = name, sha, text
            record.recorded_by, record.recorded_at = actor.name, now
            uow.deliberations.add(record)
            uow.audit.append(DeliberationRecorded(
                dossier_id=dossier_id, actor=actor.name, at=now, version=version.number, stage=stage.id,
                meeting=meeting, session_number=session_number, held_on=held_on, minutes_name=name,
                minutes_sha256=sha, replaced=replaced))
            return _shown(record)
    return svc.retrying(once)


def _guard(svc: Services, uow, dossier_id: str, actor):
    """(row, view, stage) when the person may record this dossier's meeting; Refused otherwise."""
    row, view = uow.dossiers.view(dossier_id)
    pipeline = pipeline_for(svc.config, view.current)
    if refusal := rules.may_see(actor, dossier_id, row.drafting_unit, row.state, pipeline, view.current):
        raise Refused(refusal)
    stage = rules.meeting_stage(pipeline.model_copy(update={"stages": tuple(active_stages(pipeline, view.current))}))
    if refusal := rules.may_record_deliberation(actor, uow.dossiers.submitters(dossier_id), row.drafting_unit,
                                                row.state, stage):
        raise Refused(refusal)
    return row, view, stage


def recorded(uow, dossier_id: str, version: int) -> bool:
    """Whether the version has its meeting's record (for the approval's rule)."""
    return uow.deliberations.for_version(dossier_id, version) is not None


def deliberation_of(svc: Services, dossier_id: str, version: int | None = None) -> DeliberationRecord | None:
    """The record of the dossier's current version (or of `version`); None when there is none.
    The caller has checked that the person may see the dossier."""
    with svc.unit() as uow:
        row = uow.dossiers.require(dossier_id)
        record = uow.deliberations.for_version(dossier_id, version or row.current_version)
        return _shown(record) if record is not None else None


def minutes_of(svc: Services, dossier_id: str, version: int | None = None) -> tuple[str, bytes] | None:
    """The stored minutes (name, bytes) of the dossier's current version's record."""
    found = deliberation_of(svc, dossier_id, version)
    if found is None or not found.minutes_sha256:
        return None
    return found.minutes_name or "会议纪要.docx", svc.store.get(found.minutes_sha256)


def search_deliberations(svc: Services, text: str, actor_name: str, limit: int = 50) -> list[DeliberationRecord]:
    """Meetings whose name, minutes or dossier title contain `text`, newest first, only of dossiers
    the person may see (review.rules.may_see), each with the minutes around the hit."""
    actor = person(svc.config, actor_name)
    text = " ".join((text or "").split())
    if not text:
        raise Refused(problem("request_invalid", "请输入要查找的文字（会议名称、纪要内容或文件标题）", advice=""))
    out = []
    batch, offset = limit * 4, 0
    with svc.unit() as uow:
        # Batch after batch until `limit` the person may see, or none left: records the person may not
        # see (newer ones of other units, say) never hide older ones they may.
        while len(out) < limit and (found := uow.deliberations.search(text, batch, offset)):
            offset += len(found)
            for record, dossier in found:
                version = uow.dossiers.version(dossier.id, dossier.current_version)
                pipeline = pipeline_for(svc.config, version) if version else svc.config.pipeline(dossier.kind)
                if rules.may_see(actor, dossier.id, dossier.drafting_unit, dossier.state, pipeline, version) is not None:
                    continue
                out.append(_shown(record).model_copy(update={"title": dossier.title,
                                                             "excerpt": excerpt(record.minutes_text or "", text)}))
                if len(out) >= limit:
                    break
            if len(found) < batch:
                break
    return out


def excerpt(text: str, hit: str, around: int = EXCERPT) -> str:
    """The minutes around the first place `hit` occurs (any case), on one line; "" when it is not there."""
    flat = " ".join(text.split())
    at = flat.lower().find(hit.lower())
    if at < 0:
        return ""
    start, end = max(0, at - around), min(len(flat), at + len(hit) + around)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def _shown(row) -> DeliberationRecord:
    return DeliberationRecord(dossier=row.dossier_id, version=row.version, meeting=row.meeting,
                              session_number=row.session_number, held_on=row.held_on,
                              minutes_name=row.minutes_name, minutes_sha256=row.minutes_sha256,
                              recorded_by=row.recorded_by, recorded_at=row.recorded_at)


class Panel(BaseModel):
    """What the review page shows of 集体审议: the stage, its record, and whether this person may
    record it now (the rulebook's answer: may_record_deliberation, and not yet approved)."""
    stage: str
    stage_name: str
    required: bool                 # approval needs the record (StageSpec.meeting_record)
    approved: bool                 # approved on the current version: the record is final
    record: DeliberationRecord | None = None
    may_record: bool = False
    why_not: str | None = None


def panel(svc: Services, dossier_id: str, who) -> Panel | None:
    """None when the dossier's pipeline has no 集体审议 stage (or its version does not pass one).
    The caller has checked that the person may see the dossier."""
    with svc.unit() as uow:
        row, view = uow.dossiers.view(dossier_id)
        pipeline = pipeline_for(svc.config, view.current)
        stage = rules.meeting_stage(pipeline.model_copy(update={"stages": tuple(active_stages(pipeline, view.current))}))
        if stage is None:
            return None
        record = uow.deliberations.for_version(dossier_id, view.current.number)
        decided = [d for d in uow.dossiers.decisions(dossier_id)
                   if d.stage == stage.id and d.fingerprint == view.current.fingerprint]
        approved = bool(decided) and decided[-1].verdict == "approve"
        refusal = rules.may_record_deliberation(who, uow.dossiers.submitters(dossier_id), row.drafting_unit,
                                                row.state, stage)
    return Panel(stage=stage.id, stage_name=stage.name, required=stage.meeting_record, approved=approved,
                 record=_shown(record) if record is not None else None,
                 may_record=refusal is None and not approved, why_not=refusal.message if refusal else None)


def parse_day(text: str | None) -> dt.date | None:
    """2026-12-01, 2026/12/1, 2026.12.1 or 2026年12月1日 → a date; None when blank or unreadable."""
    import re
    m = re.fullmatch(r"\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*", text or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
