"""Opening a comment period, recording comments, publishing the adoption summary."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from documents.problems import Problem, Refused, problem
from documents.shown import echoed
from publishing.web_release import docx_html, head_texts, short_title
from review import rules
from review.clock import Period
from review.consultation import (ADOPTION, CommentDecided, CommentModerated, OnlineLimits, accepting, check_accepting,
                                 check_period, check_received, check_summary_time, check_throttle,
                                 clean_online_comment, comment_key, normalise_adoption, parse_received,
                                 strip_invisible)
from review.lifecycles import COMMENT_MODERATION
from review.model import CommentsRecorded, ConsultationOpened, SummaryPublished
from services.home.context import Services
from services.home.crashpoints import crash_point
from services.publication.staging import pages_after_commit, stage_page
from services.review.basics import person, pipeline_for, pipeline_of, still_enabled, today
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
    source: str = "imported"            # imported (录入/导入) or online (网络征集)
    moderation: str | None = None       # online ones: pending / accepted / rejected
    contact: str | None = None          # online ones: what the person left (only the office sees it)
    received_on: dt.date | None = None
    submitted_at: dt.datetime | None = None

    @property
    def counted(self) -> bool:
        """In the adoption table and the published summary: every imported comment, accepted online ones."""
        return self.source != "online" or self.moderation == "accepted"


class PendingComment(BaseModel):
    """An online comment waiting for the drafting office (待审核): not counted, not public. Its name and
    contact are given only to a person the rulebook lets see the dossier (rules.may_see, as on the desk's
    moderation page); a read without a person (lockstep consultation show without --as) leaves them out."""
    id: int
    received_at: dt.datetime | None = None     # when the public form took it
    received_on: dt.date | None = None
    text: str
    author: str | None = None
    contact: str | None = None


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
    # Online comments (网络征集): waiting for the office, and not taken (never shown publicly).
    pending: int = 0
    rejected: int = 0
    accepting: bool = False             # the public form is offered today
    duplicates: int = 0                 # an import: rows already recorded (or repeated), not recorded again
    # The moderation queue apart from the adoption table, oldest first (`pending` above is its count).
    pending_comments: list[PendingComment] = []


def _door(svc: Services, uow: Unit, row: DossierRow):
    """(pipeline, current version): what the dossier's door (rules.may_see) reads, so a 宣传部 reviewer
    sees a major decision's consultation only when it is high-risk."""
    version = uow.dossiers.version(row.id, row.current_version)
    return (pipeline_for(svc.config, version) if version else svc.config.pipeline(row.kind)), version


def _seen(svc: Services, uow: Unit, dossier_id: str, actor) -> tuple[DossierRow, Problem | None]:
    """The dossier, if this person may know it exists (else Refused, as a missing one), and why they
    may not act on its consultation (review.rules.may_consult), None when they may."""
    row = uow.dossiers.require(dossier_id)
    if refusal := rules.may_see(actor, dossier_id, row.drafting_unit, row.state, *_door(svc, uow, row)):
        raise Refused(refusal)
    return row, rules.may_consult(actor, row.drafting_unit)


def _contacts_for(actor, row: DossierRow) -> bool:
    """Whether this person reads commenters' contacts (review.rules.may_read_contacts)."""
    return rules.may_read_contacts(actor, row.drafting_unit) is None


def _drafting_actor(svc: Services, uow: Unit, dossier_id: str, actor_name: str) -> tuple[DossierRow, object]:
    actor = person(svc.config, actor_name)
    still_enabled(uow, actor)           # disabled since this process read its people: refused
    row, refusal = _seen(svc, uow, dossier_id, actor)
    if refusal:
        raise Refused(refusal)
    if not pipeline_of(svc.config, row.kind).major_decision:
        raise Refused(problem("invalid_state", f"卷宗 {dossier_id} 是{row.kind}，不是重大行政决策"))
    return row, actor


def open_consultation(svc: Services, dossier_id: str, opens: dt.date, closes: dt.date,
                      actor_name: str, reason: str | None = None) -> ConsultationView:
    check_period(opens, closes, Period.parse(svc.config.clocks.consultation_minimum), reason)
    with pages_after_commit(svc, dossier_id) as staged, svc.unit() as uow:     # the notice shown once committed
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
        sha = stage_page(svc, staged, path, html)
        uow.add(ConsultationRow(dossier_id=dossier_id, opens=opens, closes=closes, shortened_reason=reason,
                                notice_path=path, notice_sha256=sha, opened_by=actor.name, opened_at=now))
        uow.audit.append(ConsultationOpened(dossier_id=dossier_id, actor=actor.name, at=now, opens=opens,
                                           closes=closes, shortened_reason=reason))
        crash_point("consultation.before_commit")       # tests/faults: the notice written, not committed
    return view(svc, dossier_id, actor_name)


def parse_comments(name: str, data: bytes) -> list[dict]:
    """Comments exported from a government website's comment box: CSV (UTF-8 or GBK) or JSON."""
    if name.lower().endswith(".json"):
        items = json.loads(data.decode("utf-8-sig"))
        items = items.get("comments", items) if isinstance(items, dict) else items
        # a list of comments, each an object of words, numbers or nothing (never a list or an object)
        if not isinstance(items, list) or not all(
                isinstance(i, dict) and all(v is None or isinstance(v, (str, int, float)) for v in i.values())
                for i in items):
            raise Refused(problem("manifest_invalid", "JSON 意见文件应为意见的列表，每条意见为一个对象"
                                                      "（如 [{\"姓名\": \"张三\", \"意见\": \"……\", \"日期\": \"2026-07-01\"}]）"))
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
        # Imported rows are cleaned as online comments are (review.consultation.strip_invisible): a
        # zero-width space neither hides text nor makes a copy look new to the duplicate check.
        got = {k: next((v for c in cols if item.get(c) not in (None, "")
                        if (v := strip_invisible(str(item[c]), keep_lines=k in ("text", "response")).strip())),
                       None)
               for k, cols in keys.items()}
        if not got["text"]:
            raise Refused(problem("manifest_invalid", f"第 {i} 条意见没有内容（需要“意见”或 text 列）"))
        out.append(got)
    return out


def record_comments(svc: Services, dossier_id: str, comments: list[dict], actor_name: str,
                    source: str) -> ConsultationView:
    """Comments the office received (an export of the website's comment box, letters typed in). All or
    nothing, in one transaction: a row dated before the period opened or received after it closed, or
    with a date nobody can read, refuses the whole import with its row number. A comment already recorded
    (same person, words and day) is not recorded again, so importing the same export twice does not
    double it."""
    def work() -> int:
        with svc.unit() as uow:
            c = uow.review.lock_consultation(dossier_id)          # first: one import at a time
            _, actor = _drafting_actor(svc, uow, dossier_id, actor_name)
            if c is None:
                raise Refused(problem("consultation_not_started", f"卷宗 {dossier_id} 尚未开始征求意见", advice=""))
            if c.summary_published_at is not None:
                raise Refused(problem("invalid_state", "意见采纳情况已公布，不能再录入意见"))
            seen = {comment_key(x.author, x.text, x.received_on) for x in uow.review.comments(c.id)}
            new = []
            for i, item in enumerate(comments, 1):
                received = parse_received(item.get("received_on"), i)
                check_received(received, c.opens, i, c.closes)
                key = comment_key(item.get("author"), item["text"], received)
                if key in seen:
                    continue
                seen.add(key)
                new.append(CommentRow(consultation_id=c.id, author=item.get("author") or "匿名", text=item["text"],
                                      received_on=received, adopted=normalise_adoption(item.get("adopted")),
                                      response=item.get("response"), source="imported"))
            uow.add_all(new)
            if new:
                uow.audit.append(CommentsRecorded(dossier_id=dossier_id, actor=actor.name, at=svc.now(),
                                                 count=len(new), source=source))
            return len(comments) - len(new)
    skipped = svc.retrying(work)
    return view(svc, dossier_id, actor_name).model_copy(update={"duplicates": skipped})


def decide_comment(svc: Services, dossier_id: str, comment_id: int, adopted: str, response: str | None,
                   actor_name: str) -> ConsultationView:
    """Record whether one comment is adopted (采纳 / 部分采纳 / 未采纳) and why. An online comment must be
    accepted in moderation first; nothing changes once the summary is published."""
    value = normalise_adoption(adopted)
    if value is None:
        raise Refused(problem("manifest_invalid", f"采纳情况应为{'、'.join(ADOPTION)}，而不是“{adopted}”"))
    with svc.unit() as uow:
        c = uow.review.lock_consultation(dossier_id)
        _, actor = _drafting_actor(svc, uow, dossier_id, actor_name)
        comment = uow.review.comment(comment_id)
        if c is None or comment is None or comment.consultation_id != c.id:
            raise Refused(problem("not_found", f"卷宗 {echoed(dossier_id)} 没有第 {echoed(comment_id)} 条意见"))
        if c.summary_published_at is not None:
            raise Refused(problem("invalid_state", "意见采纳情况已公布，不能再修改"))
        if comment.source == "online" and comment.moderation != "accepted":
            raise Refused(problem("invalid_state", f"第 {comment_id} 条是网上意见，尚未审核采用，不能填写采纳情况",
                                  advice="请先在“网上意见审核”中采用该意见"))
        if (comment.adopted, comment.response) != (value, response or comment.response):   # asked again: nothing
            comment.adopted, comment.response = value, response or comment.response
            uow.audit.append(CommentDecided(dossier_id=dossier_id, actor=actor.name, at=svc.now(), comment_id=comment_id,
                                            adopted=value, response=comment.response))
    return view(svc, dossier_id, actor_name)


def publish_summary(svc: Services, dossier_id: str, actor_name: str) -> ConsultationView:
    """The adoption summary (意见采纳情况), rendered from the recorded comments and published."""
    with pages_after_commit(svc, dossier_id) as staged, svc.unit() as uow:     # the summary shown once committed
        # Locked first, as an import or a decision takes it: they commit before the comments are read
        # here (and are in the summary, or refuse it), or after (and are refused: 已公布).
        c = uow.review.lock_consultation(dossier_id)
        row, actor = _drafting_actor(svc, uow, dossier_id, actor_name)
        if c is None:
            raise Refused(problem("consultation_not_started", f"卷宗 {dossier_id} 尚未开始征求意见", advice=""))
        check_summary_time(c.closes, today(svc))
        if not rules.is_public(row.disclosure, row.withheld_at is not None):
            raise Refused(problem("not_public", f"卷宗 {dossier_id} 现为不予公开（或公开属性未确定），不能公布意见采纳情况"))
        everything = uow.review.comments(c.id)
        waiting = [x for x in everything if x.source == "online" and x.moderation == "pending"]
        if waiting:
            raise Refused(problem("consultation_open", f"还有 {len(waiting)} 条网上意见尚未审核",
                                  advice="请先在“网上意见审核”中逐条采用或不予采用，再公布意见采纳情况"))
        comments = [x for x in everything if _counted(x)]
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
        c.summary_sha256 = stage_page(svc, staged, path, html)
        c.summary_path, c.summary_published_at = path, now
        uow.audit.append(SummaryPublished(dossier_id=dossier_id, actor=actor.name, at=now,
                                         sha256=c.summary_sha256, page=path))
        crash_point("consultation.before_commit")       # tests/faults: the summary written, not committed
    return view(svc, dossier_id, actor_name)


def _counted(x: CommentRow) -> bool:
    return x.source != "online" or x.moderation == "accepted"


def _tallies(uow: Unit, c: ConsultationRow) -> dict:
    """The consultation's counts, read as counts (not comment by comment): the adoption table's size and
    adoption, and the online comments waiting and not taken."""
    comments, pending, rejected, adoption = 0, 0, 0, dict.fromkeys(ADOPTION, 0)
    for source, moderation, adopted, n in uow.review.comment_tallies(c.id):
        if source != "online" or moderation == "accepted":
            comments += n
            if adopted in adoption:
                adoption[adopted] += n
        elif moderation == "pending":
            pending += n
        elif moderation == "rejected":
            rejected += n
    return {"comments": comments, "adoption": adoption, "pending": pending, "rejected": rejected}


def _head(svc: Services, uow: Unit, c: ConsultationRow, dossier_id: str) -> ConsultationView:
    """The consultation without its comments: period, pages, counts."""
    return ConsultationView(
        dossier=dossier_id, opens=c.opens, closes=c.closes, shortened_reason=c.shortened_reason,
        notice=str(svc.home.site / c.notice_path) if c.notice_path else None,
        summary=str(svc.home.site / c.summary_path) if c.summary_path else None,
        summary_published_at=c.summary_published_at,
        notice_url=site_url(svc, c.notice_path), summary_url=site_url(svc, c.summary_path),
        accepting=accepting(c.opens, c.closes, today(svc), c.summary_published_at is not None), **_tallies(uow, c))


def _not_started(dossier_id: str) -> Refused:
    return Refused(problem("consultation_not_started", f"卷宗 {dossier_id} 尚未开始征求意见", advice=""))


def view(svc: Services, dossier_id: str, actor_name: str | None = None, named: bool = True) -> ConsultationView:
    """The consultation with every comment, and the online ones waiting apart (pending_comments).

    With a person: refused as a missing dossier unless the rulebook lets them see it (rules.may_see, the
    desk's door), and then names are given, and contacts to the drafting unit only (rules.may_read_contacts).
    A read for nobody in particular (`named` False:
    lockstep consultation show without --as) names only what the published summary would: no contact at
    all, and no name of an online comment the office has not accepted."""
    with svc.unit() as uow:
        contacts = named
        if actor_name is not None:
            actor = person(svc.config, actor_name)
            contacts = _contacts_for(actor, _seen(svc, uow, dossier_id, actor)[0])
        c: ConsultationRow | None = uow.review.consultation(dossier_id)
        if c is None:
            raise _not_started(dossier_id)
        named = named or actor_name is not None
        items = [_comment_view(x, named, contacts) for x in uow.review.comments(c.id)]
        waiting = [PendingComment(id=x.id, received_at=x.submitted_at, received_on=x.received_on, text=x.text,
                                  author=x.author or None, contact=x.contact)
                   for x in items if x.source == "online" and x.moderation == "pending"]
        return _head(svc, uow, c, dossier_id).model_copy(update={"items": items, "pending_comments": waiting})


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


# ------------------------------------------------------------------ online public comment (网络征集, issue 15)

class OnlineReceipt(BaseModel):
    dossier: str
    comment: int
    duplicate: bool = False          # the same client already gave these very words: kept once


def client_key(c: ConsultationRow, address: str) -> str:
    """What comments.client keeps of a client: a keyed hash of its address, keyed by facts of this
    consultation that are never published (so every desk of a province computes the same key, one
    consultation's keys do not link to another's, and the address is not stored)."""
    import hashlib
    import hmac
    key = f"{c.id}|{c.dossier_id}|{c.opened_at.isoformat() if c.opened_at else ''}|{c.notice_sha256 or ''}"
    from review.consultation import throttled_client          # an IPv6 client by its /64
    return hmac.new(key.encode(), throttled_client(address).encode(), hashlib.sha256).hexdigest()


def submit_online_comment(svc: Services, dossier_id: str, name: str | None, contact: str | None, text: str | None,
                          address: str, limits: OnlineLimits = OnlineLimits()) -> OnlineReceipt:
    """A comment from the public form: only while the period is open (and before the summary), only for a
    dossier public now, within the throttles (review.consultation.check_throttle); stored online and
    pending, never public until the drafting office accepts it. One consultation's submissions are taken
    one at a time (its row is locked first), so the counts each one checks are exact."""
    who, how, body = clean_online_comment(name, contact, text)

    def work() -> OnlineReceipt:
        with svc.unit() as uow:
            c = uow.review.lock_consultation(dossier_id)
            row = uow.dossiers.get(dossier_id) if c is not None else None
            if c is None or row is None or c.notice_path is None or \
                    not rules.is_public(row.disclosure, row.withheld_at is not None):
                raise Refused(rules.not_found(dossier_id))       # as a missing one: nothing said about it
            now = svc.now()
            check_accepting(c.opens, c.closes, now.astimezone().date(), c.summary_published_at is not None)
            client = client_key(c, address)
            if (same := uow.review.online_duplicate(c.id, client, body)) is not None:
                return OnlineReceipt(dossier=dossier_id, comment=same.id, duplicate=True)
            since = now - dt.timedelta(minutes=limits.window_minutes)
            mine, pending = uow.review.online_counts(c.id, client, since)
            check_throttle(mine, uow.review.online_since(since), pending, limits)
            comment = uow.add(CommentRow(consultation_id=c.id, author=who or "匿名", text=body, contact=how,
                                         received_on=now.astimezone().date(), source="online",
                                         moderation="pending", client=client, submitted_at=now))
            uow.flush()
            return OnlineReceipt(dossier=dossier_id, comment=comment.id)
    return svc.retrying(work)


def moderate_comment(svc: Services, dossier_id: str, comment_id: int, action: str, actor_name: str,
                     reason: str | None = None) -> ConsultationView:
    """The drafting office takes (accept) or leaves out (reject) an online comment; audited. Changeable
    until the adoption summary is published; the same decision given again changes and records nothing."""
    if action not in COMMENT_MODERATION.actions:
        raise Refused(problem("request_invalid", "请选择“采用”或“不予采用”"))
    with svc.unit() as uow:
        c = uow.review.lock_consultation(dossier_id)
        _, actor = _drafting_actor(svc, uow, dossier_id, actor_name)
        comment = uow.review.comment(comment_id)
        if c is None or comment is None or comment.consultation_id != c.id or comment.source != "online":
            raise Refused(problem("not_found", f"卷宗 {echoed(dossier_id)} 没有第 {echoed(comment_id)} 条网上意见"))
        if c.summary_published_at is not None:
            raise Refused(problem("invalid_state", "意见采纳情况已公布，不能再审核网上意见"))
        if comment.moderation != COMMENT_MODERATION.actions[action][1]:    # asked again (a double click): nothing
            comment.moderation = COMMENT_MODERATION.step(comment.moderation or "pending", action)
            if comment.moderation == "rejected":
                comment.adopted = None                 # out of the adoption table
            uow.audit.append(CommentModerated(dossier_id=dossier_id, actor=actor.name, at=svc.now(),
                                              comment_id=comment_id, moderation=comment.moderation,
                                              reason=(reason or "").strip()[:500] or None))
    return view(svc, dossier_id, actor_name)


QUEUE_PAGE = 20          # comments per page of the desk's lists: the adoption table and the moderation queue


class QueuePage(BaseModel):
    """One page of a list of comments (the adoption table, the moderation queue): which page of how many, and
    the total."""
    items: list[CommentView] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    size: int = QUEUE_PAGE

    @property
    def first(self) -> int:                  # the 1-based number of the page's first comment (0 when none)
        return (self.page - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.size + len(self.items)


class DeskConsultation(BaseModel):
    """What the desk's 征求意见 page shows one person: the dossier, its consultation (or none yet), and
    which steps the rulebook lets this person take."""
    dossier: str
    title: str
    drafting_unit: str
    state: str
    major_decision: bool
    may_act: bool
    why_not: str | None = None
    minimum: str
    today: dt.date
    consultation: ConsultationView | None = None      # counts only: its comments are read a page at a time
    table: QueuePage = QueuePage()                     # one page of the adoption table (意见采纳情况表)


def desk_consultation(svc: Services, dossier_id: str, actor_name: str, page: int = 1,
                      size: int = QUEUE_PAGE) -> DeskConsultation:
    """The desk's 征求意见 page for this person: the consultation's counts and one page (`page`, kept within
    the pages there are) of its adoption table, in the order the comments were recorded. Only that page is read."""
    actor = person(svc.config, actor_name)
    with svc.unit() as uow:
        row, refusal = _seen(svc, uow, dossier_id, actor)
        out = DeskConsultation(dossier=dossier_id, title=row.title, drafting_unit=row.drafting_unit, state=row.state,
                               major_decision=pipeline_of(svc.config, row.kind).major_decision,
                               may_act=refusal is None, why_not=refusal.message if refusal else None,
                               minimum=Period.parse(svc.config.clocks.consultation_minimum).describe(),
                               today=today(svc))
        c = uow.review.consultation(dossier_id)
        if c is None:
            return out
        head = _head(svc, uow, c, dossier_id)
        table = _paged(head.comments, page, size, lambda limit, offset: uow.review.counted_page(c.id, limit, offset),
                       _contacts_for(actor, row))
        return out.model_copy(update={"consultation": head, "table": table})


class ModerationPage(BaseModel):
    """The desk's 网上意见审核 page: the dossier, whether this person may moderate, and one page each of the
    comments waiting (待审核) and of those already decided (已审核), read a page at a time."""
    dossier: str
    title: str
    may_act: bool
    why_not: str | None = None
    opened: bool = False                 # a consultation exists
    summary_published_at: dt.datetime | None = None
    pending: QueuePage = QueuePage()
    decided: QueuePage = QueuePage()


def _paged(total: int, page: int, size: int, read, contacts: bool) -> QueuePage:
    """Page `page` of a list of `total` comments, `size` a page, read by `read(limit, offset)`; a page past
    the end (the last one just decided, an old link) is the last page, one before the start the first."""
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = read(size, (page - 1) * size)
    return QueuePage(items=[_comment_view(x, contacts=contacts) for x in rows], total=total, page=page, pages=pages,
                     size=size)


def _queue_page(uow: Unit, consultation_id: int, states: tuple[str, ...], page: int, size: int,
                contacts: bool) -> QueuePage:
    return _paged(uow.review.online_count(consultation_id, states), page, size,
                  lambda limit, offset: uow.review.online_page(consultation_id, states, limit, offset), contacts)


def _comment_view(x: CommentRow, named: bool = True, contacts: bool = True) -> CommentView:
    """A comment as shown; not `named` (no person asked): no contact, and an online comment's name only
    once the office accepted it (what the published summary names); a contact only when `contacts`
    (the person asking may read them: rules.may_read_contacts)."""
    online = (x.source or "imported") == "online"
    author = x.author if named or not online or x.moderation == "accepted" else None
    return CommentView(id=x.id, author=author or "", text=x.text, adopted=x.adopted, response=x.response,
                       source=x.source or "imported", moderation=x.moderation, contact=x.contact if named and contacts else None,
                       received_on=x.received_on, submitted_at=x.submitted_at)


def moderation_page(svc: Services, dossier_id: str, actor_name: str, page: int = 1, decided_page: int = 1,
                    size: int = QUEUE_PAGE) -> ModerationPage:
    """What the moderation page shows this person: seen by whoever may see the dossier, acted on by the
    drafting unit (review.rules.may_consult, as moderate_comment checks). Only the asked pages are read."""
    actor = person(svc.config, actor_name)
    with svc.unit() as uow:
        row, refusal = _seen(svc, uow, dossier_id, actor)
        out = ModerationPage(dossier=dossier_id, title=row.title, may_act=refusal is None,
                             why_not=refusal.message if refusal else None)
        c = uow.review.consultation(dossier_id)
        if c is None:
            return out
        return out.model_copy(update={
            "opened": True, "summary_published_at": c.summary_published_at,
            "pending": _queue_page(uow, c.id, ("pending",), page, size, _contacts_for(actor, row)),
            "decided": _queue_page(uow, c.id, ("accepted", "rejected"), decided_page, size, _contacts_for(actor, row))})


class PublicConsultation(BaseModel):
    dossier: str
    title: str
    opens: dt.date
    closes: dt.date
    accepting: bool
    closed: Problem | None = None       # why the form is not offered (before the period, after it)
    summary_href: str | None = None


def public_consultation(svc: Services, dossier_id: str) -> PublicConsultation | None:
    """The public page's facts about a consultation whose dossier is public now, else None (the one 404)."""
    with svc.unit() as uow:
        c = uow.review.consultation(dossier_id)
        row = uow.dossiers.get(dossier_id) if c is not None else None
        if c is None or row is None or c.notice_path is None or \
                not rules.is_public(row.disclosure, row.withheld_at is not None):
            return None
        on, published = today(svc), c.summary_published_at is not None
        try:
            check_accepting(c.opens, c.closes, on, published)
            closed = None
        except Refused as r:
            closed = r.problem
        return PublicConsultation(dossier=dossier_id, title=row.title, opens=c.opens, closes=c.closes,
                                  accepting=closed is None, closed=closed, summary_href=site_url(svc, c.summary_path))
