"""Opening a comment period, recording comments, publishing the adoption summary."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from documents.problems import Refused, problem
from publishing.web_release import docx_html, head_texts, short_title
from review import rules
from review.clock import Period
from review.consultation import ADOPTION, check_period, check_summary_time, normalise_adoption
from review.model import CommentsRecorded, ConsultationOpened, SummaryPublished
from services.home.context import Services
from services.publication.publish import write_page
from services.review.basics import person, pipeline_of, today
from storage.tables import CommentRow, ConsultationRow, DossierRow
from templates import render

if TYPE_CHECKING:
    from storage.unit import Unit


class CommentView(BaseModel):
    id: int
    author: str
    text: str
    adopted: str | None
    response: str | None


class ConsultationView(BaseModel):
    dossier: str
    opens: dt.date
    closes: dt.date
    shortened_reason: str | None
    notice: str | None
    comments: int
    adoption: dict[str, int]
    items: list[CommentView] = []
    summary: str | None
    summary_published_at: dt.datetime | None
    # Where the public reads them on the site the desk serves (config site_base_url, "/site" by default).
    notice_url: str | None = None
    summary_url: str | None = None


def _drafting_actor(svc: Services, uow: Unit, dossier_id: str, actor_name: str) -> tuple[DossierRow, object]:
    actor = person(svc.config, actor_name)
    row = uow.dossiers.require(dossier_id)
    if refusal := (rules.may_see(actor, dossier_id, row.drafting_unit, row.state, svc.config.pipeline(row.kind))
                   or rules.may_consult(actor, row.drafting_unit)):
        raise Refused(refusal)
    if not pipeline_of(svc.config, row.kind).major_decision:
        raise Refused(problem("invalid_state", f"卷宗 {dossier_id} 是{row.kind}，不是重大行政决策"))
    return row, actor


def open_consultation(svc: Services, dossier_id: str, opens: dt.date, closes: dt.date,
                      actor_name: str, reason: str | None = None) -> ConsultationView:
    check_period(opens, closes, Period.parse(svc.config.clocks.consultation_minimum), reason)
    with svc.unit() as uow:
        row, actor = _drafting_actor(svc, uow, dossier_id, actor_name)
        if uow.review.consultation(dossier_id) is not None:
            raise Refused(problem("invalid_state", f"卷宗 {dossier_id} 已开始征求意见"))
        now = svc.now()
        path = f"consultations/{dossier_id}.html"
        version = uow.dossiers.version(dossier_id, row.current_version)
        draft = version.policy
        if not rules.is_public(rules.disclosure_of(row.disclosure, draft.meta.disclosure if draft and draft.meta else None),
                               row.withheld_at is not None):
            raise Refused(problem("not_public", f"{row.title} 标注为不予公开（或公开属性未确定），不能公开征求意见"))
        basis = version.of_role("drafting_note")
        html = render("consultation_notice.html.j2", city=svc.config.city, title=row.title,
                      short_title=short_title(row.title), drafting_unit=row.drafting_unit, opens=opens,
                      closes=closes, reason=reason, released_at=now.astimezone().strftime("%Y年%m月%d日"),
                      draft_html=docx_html(svc.store.get(draft.sha256), head_texts(draft.meta)) if draft else "",
                      basis_html=docx_html(svc.store.get(basis[0].sha256)) if basis and basis[0].meta else "")
        sha = write_page(svc, path, html)
        uow.add(ConsultationRow(dossier_id=dossier_id, opens=opens, closes=closes, shortened_reason=reason,
                                notice_path=path, notice_sha256=sha, opened_by=actor.name, opened_at=now))
        uow.audit.append(ConsultationOpened(dossier_id=dossier_id, actor=actor.name, at=now, opens=opens,
                                           closes=closes, shortened_reason=reason))
    return view(svc, dossier_id)


def parse_comments(name: str, data: bytes) -> list[dict]:
    """Comments exported from a government website's comment box: CSV (UTF-8 or GBK) or JSON."""
    if name.lower().endswith(".json"):
        items = json.loads(data.decode("utf-8-sig"))
        items = items.get("comments", items) if isinstance(items, dict) else items
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gbk")
        items = list(csv.DictReader(io.StringIO(text)))
    keys = {"author": ("author", "姓名", "提出人", "name"), "text": ("text", "意见", "意见内容", "comment"),
            "received_on": ("received_on", "日期", "提交日期", "date"),
            "adopted": ("adopted", "采纳情况", "是否采纳"), "response": ("response", "理由", "处理说明", "答复")}
    out = []
    for i, item in enumerate(items, 1):
        got = {k: next((str(item[c]).strip() for c in cols if item.get(c) not in (None, "")), None)
               for k, cols in keys.items()}
        if not got["text"]:
            raise Refused(problem("manifest_invalid", f"第 {i} 条意见没有内容（需要“意见”或 text 列）"))
        out.append(got)
    return out


def record_comments(svc: Services, dossier_id: str, comments: list[dict], actor_name: str,
                    source: str) -> ConsultationView:
    with svc.unit() as uow:
        _, actor = _drafting_actor(svc, uow, dossier_id, actor_name)
        c = uow.review.consultation(dossier_id)
        if c is None:
            raise Refused(problem("consultation_not_started", f"卷宗 {dossier_id} 尚未开始征求意见", advice=""))
        for item in comments:
            received = dt.date.fromisoformat(item["received_on"]) if item.get("received_on") else None
            uow.add(CommentRow(consultation_id=c.id, author=item.get("author") or "匿名", text=item["text"],
                               received_on=received, adopted=normalise_adoption(item.get("adopted")),
                               response=item.get("response")))
        uow.audit.append(CommentsRecorded(dossier_id=dossier_id, actor=actor.name, at=svc.now(),
                                         count=len(comments), source=source))
    return view(svc, dossier_id)


def decide_comment(svc: Services, dossier_id: str, comment_id: int, adopted: str, response: str | None,
                   actor_name: str) -> ConsultationView:
    """Record whether one comment is adopted (采纳 / 部分采纳 / 未采纳) and why."""
    value = normalise_adoption(adopted)
    if value is None:
        raise Refused(problem("manifest_invalid", f"采纳情况应为{'、'.join(ADOPTION)}，而不是“{adopted}”"))
    with svc.unit() as uow:
        _drafting_actor(svc, uow, dossier_id, actor_name)
        c = uow.review.consultation(dossier_id)
        comment = uow.review.comment(comment_id)
        if c is None or comment is None or comment.consultation_id != c.id:
            raise Refused(problem("not_found", f"卷宗 {dossier_id} 没有第 {comment_id} 条意见"))
        if c.summary_published_at is not None:
            raise Refused(problem("invalid_state", "意见采纳情况已公布，不能再修改"))
        comment.adopted, comment.response = value, response or comment.response
    return view(svc, dossier_id)


def publish_summary(svc: Services, dossier_id: str, actor_name: str) -> ConsultationView:
    """The adoption summary (意见采纳情况), rendered from the recorded comments and published."""
    with svc.unit() as uow:
        row, actor = _drafting_actor(svc, uow, dossier_id, actor_name)
        c = uow.review.consultation(dossier_id)
        if c is None:
            raise Refused(problem("consultation_not_started", f"卷宗 {dossier_id} 尚未开始征求意见", advice=""))
        check_summary_time(c.closes, today(svc))
        if not rules.is_public(row.disclosure, row.withheld_at is not None):
            raise Refused(problem("not_public", f"卷宗 {dossier_id} 现为不予公开（或公开属性未确定），不能公布意见采纳情况"))
        comments = uow.review.comments(c.id)
        undecided = [x for x in comments if x.adopted not in ADOPTION]
        if undecided:
            raise Refused(problem("consultation_open", f"还有 {len(undecided)} 条意见未填写采纳情况",
                                  advice="请逐条填写采纳情况（采纳、部分采纳、未采纳及理由）后再公布"))
        now = svc.now()
        path = f"consultations/{dossier_id}-summary.html"
        html = render("consultation_summary.html.j2", city=svc.config.city, title=row.title,
                      short_title=short_title(row.title), drafting_unit=row.drafting_unit, opens=c.opens,
                      closes=c.closes, comments=comments,
                      counts={a: sum(1 for x in comments if x.adopted == a) for a in ADOPTION},
                      released_at=now.astimezone().strftime("%Y年%m月%d日"))
        c.summary_sha256 = write_page(svc, path, html)
        c.summary_path, c.summary_published_at = path, now
        uow.audit.append(SummaryPublished(dossier_id=dossier_id, actor=actor.name, at=now,
                                         sha256=c.summary_sha256, page=path))
    return view(svc, dossier_id)


def view(svc: Services, dossier_id: str) -> ConsultationView:
    with svc.unit() as uow:
        c: ConsultationRow | None = uow.review.consultation(dossier_id)
        if c is None:
            raise Refused(problem("consultation_not_started", f"卷宗 {dossier_id} 尚未开始征求意见", advice=""))
        comments = uow.review.comments(c.id)
        return ConsultationView(
            dossier=dossier_id, opens=c.opens, closes=c.closes, shortened_reason=c.shortened_reason,
            notice=str(svc.home.site / c.notice_path) if c.notice_path else None, comments=len(comments),
            adoption={a: sum(1 for x in comments if x.adopted == a) for a in ADOPTION},
            items=[CommentView(id=x.id, author=x.author, text=x.text, adopted=x.adopted, response=x.response)
                   for x in sorted(comments, key=lambda x: x.id)],
            summary=str(svc.home.site / c.summary_path) if c.summary_path else None,
            summary_published_at=c.summary_published_at,
            notice_url=site_url(svc, c.notice_path), summary_url=site_url(svc, c.summary_path))


def site_url(svc: Services, path: str | None) -> str | None:
    """A site page's address: the config's site_base_url joined with its site path (/site/consultations/D….html)."""
    return f"{svc.config.site_base_url.rstrip('/')}/{path}" if path else None


def read_comments_file(path: Path) -> list[dict]:
    return parse_comments(path.name, path.read_bytes())


def take_down_if_not_public(svc: Services, uow: Unit, row: DossierRow) -> list[str]:
    """A consultation's pages leave the site when its dossier is no longer public (a new version
    marked 不予公开, a person's setting): review.rules.is_public decides every public output, the
    consultation notice and adoption summary too. The record of the consultation stays."""
    from services.dossiers.withhold import _remove
    if rules.is_public(row.disclosure, row.withheld_at is not None):
        return []
    c = uow.review.consultation(row.id)
    paths = [p for p in ((c.notice_path, c.summary_path) if c is not None else ()) if p]
    return [p for p in paths if _remove(svc.home.site, p)]
