"""What reviewers write: reasons anchored to provisions, and the legality opinion (意见书) docx."""
from __future__ import annotations

import io
import re
import secrets
import zipfile
from typing import TYPE_CHECKING

from documents.anchors import find, normalise
from documents.diff import paragraphs
from documents.models import ROLE_NAMES
from documents.problems import Refused, problem
from documents.shown import echoed
from review import rules
from review.config import Person
from review.model import Reason, StageDecided
from services.home.context import Services
from storage.tables import DossierRow

if TYPE_CHECKING:
    from storage.unit import Unit

# “解读：问3：…”, “方案：二、：…” point into an interpretation; anything else into the policy.
_DOCUMENTS = (("解读方案", "interpretation_plan"), ("方案", "interpretation_plan"),
              ("解读材料", "interpretation_material"), ("解读", "interpretation_material"),
              ("政策", "policy"), ("正文", "policy"))
_SEP = re.compile(r"[:：=]")


def split_reason(text: str) -> tuple[str, str, str]:
    """(document role, anchor, reason text) from “[文件：]条款：理由”; no anchor when no separator."""
    text = text.strip()
    role = "policy"
    for prefix, r in _DOCUMENTS:
        if re.match(rf"^{prefix}\s*[:：]", text):
            role, text = r, _SEP.split(text, 1)[1].strip()
            break
    parts = _SEP.split(text, 1)
    if len(parts) == 1:
        return role, "", text
    return role, parts[0].strip(), parts[1].strip()


def anchor_reasons(svc: Services, dossier_id: str, texts: list[str], actor: Person | None = None,
                   stage: str | None = None) -> tuple[Reason, ...]:
    """Each reason line anchored to a provision of the current version. The person is checked first
    (review.rules.may_see, then may_decide for the stage): a stranger is told the dossier does not
    exist, exactly as for a missing one, and no refusal lists anything of the dossier's content."""
    if not texts:
        return ()
    with svc.unit() as uow:
        row = uow.dossiers.require(dossier_id)
        version = uow.dossiers.version(dossier_id, row.current_version)
        if actor is not None:
            _may_anchor(svc, uow, row, version, actor, stage)
    out = []
    cache: dict[str, list] = {}
    for text in texts:
        role, anchor, reason = split_reason(text)
        if not anchor:
            out.append(Reason(document=role, text=reason))
            continue
        files = [f for f in version.of_role(role) if f.meta is not None]
        if not files:
            raise Refused(problem("not_found", f"本版本没有可定位条款的{ROLE_NAMES.get(role, role)}"))
        f = files[0]
        paras = cache.setdefault(f.sha256, paragraphs(f.name, svc.store.get(f.sha256)))
        hit = find(paras, anchor)
        if hit is None:
            # Never list the document's provisions here: the message names only what was typed.
            example = "问3" if role == "interpretation_material" else "一、（二）"
            raise Refused(problem("not_found", f"未找到条款“{_shown(anchor)}”，请按{ROLE_NAMES.get(role, '政策文件')}"
                                               f"的条款编号（如 {example}）填写"))
        out.append(Reason(document=role, anchor=normalise(anchor), paragraph=hit.index, text=reason))
    return tuple(out)


def _may_anchor(svc: Services, uow: Unit, row: DossierRow, version, actor: Person, stage: str | None) -> None:
    from review.gate import active_stages
    from services.review.basics import pipeline_for
    pipeline = pipeline_for(svc.config, version)
    if refusal := rules.may_see(actor, row.id, row.drafting_unit, row.state, pipeline, version):
        raise Refused(refusal)
    spec = next((x for x in active_stages(pipeline, version) if x.id == stage), None)
    if spec is not None and (refusal := rules.may_decide(actor, uow.dossiers.submitters(row.id),
                                                         row.drafting_unit, spec)):
        raise Refused(refusal)


def _shown(anchor: str) -> str:
    """What the reviewer typed, cut short: an error echoes input, never the document."""
    return echoed("".join(anchor.split()), 20)


def next_opinion_number(uow: Unit, code: str, year: int) -> str:
    """The year's next opinion number from its locking counter (storage/counters.py): the counter
    row stays locked until the transaction ends, so take it last."""
    from templates.opinion import opinion_number
    prefix = f"{code}〔{year}〕"
    serial = uow.counters.take(f"opinion:{code}", year, lambda: uow.review.opinions_numbered(prefix))
    return opinion_number(code, year, serial)


def attach_opinion(svc: Services, uow: Unit, row: DossierRow, event: StageDecided) -> tuple[StageDecided, str]:
    """Number and render the legality opinion for this decision, and store the docx. Only an
    approval, or a return with reasons, gets a numbered opinion (review.decisions.verdict_problem).

    The number is printed in the docx: the opinion is rendered before the number is taken with a
    mark where the number goes (`number_mark`), and the mark is replaced once it is taken
    (`numbered`: a few milliseconds; the same bytes as rendering with the number). From `take` to
    the commit the counter row is locked: that replacement, the store's `put` of the docx (objects
    before the rows that name them), the decision row, its audit event and the gate's re-read of
    the decisions; nothing else is read from the database after it."""
    from review.decisions import verdict_problem
    from templates.opinion import Opinion, OpinionReason, default_template, render_opinion
    if refusal := verdict_problem(event.verdict, event.reasons, event.comment):
        raise Refused(refusal)
    cfg = svc.config.opinions
    day = event.at.astimezone().date()
    own = svc.home.path / "templates" / "legality_opinion.docx"      # an office's own, if any
    template = own.read_bytes() if own.is_file() else default_template()
    version = uow.dossiers.version(row.id, row.current_version)     # what was received in this version
    reviewer, reviewer_unit = reviewer_of(svc.config.person(event.actor), event.unit)
    opinion = Opinion(organ=cfg.organ, opinion_number="", title=_title(row.title),
                      doc_number=row.doc_number, drafting_unit=row.drafting_unit,
                      approved=event.verdict == "approve",
                      reasons=tuple(OpinionReason(anchor=r.anchor, text=r.text) for r in event.reasons),
                      comment=event.comment, reviewer=reviewer, reviewer_unit=reviewer_unit, date=day,
                      materials=tuple(f.role for f in version.files) if version else ())
    mark = number_mark()
    draft = render_opinion(opinion.model_copy(update={"opinion_number": mark}), template)
    store = uow.store       # opened before the lock
    number = next_opinion_number(uow, cfg.organ_code, day.year)     # the counter row is locked from here
    data = numbered(draft, mark, number)
    sha = store.put(data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return event.model_copy(update={"opinion_number": number}), sha


def reviewer_of(person: Person | None, unit: str | None = None) -> tuple[str, str]:
    """How the opinion names the reviewing person, from the people records: the name offices know
    (display, e.g. 张明) and the unit; without a display name, the unit's 合法性审核人员, never the
    login id a person signs in with."""
    unit = (person.unit if person else None) or unit or ""
    if person is not None and (person.display or "").strip():
        return person.display.strip(), unit
    return (f"{unit}合法性审核人员" if unit else "合法性审核人员"), unit


def number_mark() -> str:
    """Stands for the opinion number in a docx rendered before the number is taken: plain ASCII, so
    the template engine and the XML writer leave it as it is, and random, so no reviewer's text
    can contain it."""
    return f"LOCKSTEP-OPINION-NUMBER-{secrets.token_hex(8)}"


def numbered(draft: bytes, mark: str, number: str) -> bytes:
    """The opinion rendered with `mark` as its number, with `number` in its place in every part of
    the package (the body and docProps/core.xml), written as templates.opinion.normalize_zip writes:
    the same bytes as rendering with the number."""
    from templates.opinion import ZIP_TIME
    mark_bytes, value = mark.encode("ascii"), number.encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(draft)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(item.filename).replace(mark_bytes, value))
    return out.getvalue()


def _title(title: str) -> str:
    """The reviewed title as it goes inside 《…》: a title it quotes in 〈〉 (documents/titles.py)."""
    from documents.titles import nested
    return nested(title)


def opinion_file(svc: Services, dossier_id: str, number: str) -> tuple[str, bytes] | None:
    """The stored docx of the dossier's opinion `number` (名称 “根司合审〔2026〕3号合法性审核意见书.docx”);
    None when the dossier has no such opinion. The key comes from our records, never the request.
    The caller has checked that the person may see the dossier."""
    with svc.unit() as uow:
        row = next((r for r in uow.dossiers.opinions(dossier_id) if r.opinion_number == number), None)
    if row is None or not row.opinion_sha256:
        return None
    return f"{row.opinion_number}合法性审核意见书.docx", svc.store.get(row.opinion_sha256)
