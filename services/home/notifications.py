"""Notifications (issue 14): each person's desk inbox, the e-mail sender, and the deadline notices.

The notices themselves are written by the decisions that make someone the next actor, in the
decision's own transaction (services/review/notify.py). Here, after those commits:

- `send_pending`: the sender. It claims notices whose mail is pending (storage/repos/notifications.py,
  an outbox like storage/jobs.py), sends them through the SMTP server in lockstep.toml [mail] (smtplib,
  every connection and command with a timeout), and marks each sent; a fault (server away, a
  temporary 4xx refusal) gives the notice back to be tried again later, with a growing wait, at most
  MAX_ATTEMPTS times, then failed; a permanent 5xx refusal fails it at once. No [mail] host: the mail
  is skipped with a note, not failed: the desk inbox still has the notice. A sender killed after the
  server took a mail and before the row says so sends it again (the same Message-ID): at least once.
- `deadline_notices`: the scheduled check's part: a stage's deadline within DUE_SOON_WORKDAYS working
  days, due today, or overdue, tells the people who may act on that stage (the legality review; the
  stages an emergency sign-off left for review after the fact), and a filing deadline the registrars:
  one notice per person, dossier (version), stage and kind (due_soon, overdue), however often the
  check runs.
- `inbox`, `unread_count`, `mark_read`, `open_notice`: the desk's inbox; a person sees only their own.
"""
from __future__ import annotations

import datetime as dt
import os
import smtplib
import socket
from email.message import EmailMessage
from email.utils import formataddr, format_datetime

from pydantic import BaseModel

from review.clock import working_days_between
from review import rules
from review.config import Config, Mail
from services.home.context import Services
from services.home.crashpoints import crash_point
from services.review.notify import address_of, dossier_link, named, turns, who
from storage.repos.notifications import Notice

MAX_ATTEMPTS = 5                    # a mail faulting this often is failed: `lockstep notify send --retry-failed`
MAX_WAIT = dt.timedelta(hours=1)    # the longest wait between two tries
NO_SERVER = "未配置邮件服务器（lockstep.toml [mail] host），只在工作台通知中显示"
# Deadlines that belong to a review stage: whoever may act on the stage is told (services/review/deadlines.py).
STAGE_OF_DEADLINE = {"legality_review": "legality"}
# Deadlines whose people the rulebook names otherwise: the stages an emergency sign-off left open (each
# stage's deciders), and 备案 after publication (whoever keeps the register).
OTHER_DEADLINES = ("retrospective", "filing")
NOTIFIED_DEADLINES = frozenset(STAGE_OF_DEADLINE) | frozenset(OTHER_DEADLINES)


# ---------------------------------------------------------------- the inbox

def inbox(svc: Services, person: str, limit: int = 200) -> list[Notice]:
    with svc.unit() as uow:
        return uow.notifications.inbox(person, limit)


def unread_count(svc: Services, person: str) -> int:
    with svc.unit() as uow:
        return uow.notifications.unread(person)


def mark_read(svc: Services, person: str, ids: list[int] | None = None) -> int:
    with svc.unit() as uow:
        return uow.notifications.mark_read(person, svc.now(), ids)


def open_notice(svc: Services, person: str, notice_id: int) -> str | None:
    """Mark one of the person's notices read and answer the page it is about; None when it is not theirs."""
    with svc.unit() as uow:
        mine = next((n for n in uow.notifications.inbox(person, 10_000) if n.id == notice_id), None)
        if mine is None:
            return None
        uow.notifications.mark_read(person, svc.now(), [notice_id])
        return mine.link or "/inbox"


def shown_body(n: Notice) -> str:
    """The text as the inbox shows it: the mail's words without its greeting, entry link and footer
    (the inbox has its own button to the page)."""
    lines = n.body.replace("{desk}", "").split("\n")
    if lines and lines[0].endswith("："):
        lines = lines[1:]
    lines = [x for x in lines if not x.startswith(("办理入口：", "（此邮件由"))]
    return "\n".join(lines).strip()


# ---------------------------------------------------------------- deadlines (the scheduled check)

class DeadlineNotices(BaseModel):
    added: int = 0
    found: list[dict] = []


def deadline_notices(svc: Services, on: dt.date | None = None) -> DeadlineNotices:
    """A stage's deadline in at most DUE_SOON_WORKDAYS working days, due today, or past: the people
    who may act on the stage now are told, once per stage, person and day (a rerun adds nothing)."""
    from services.review.deadlines import compute
    from services.review.basics import today
    on = on or today(svc)
    dues = [d for d in compute(svc, on) if d.kind in NOTIFIED_DEADLINES and d.status != "ok"]
    # One transaction for them all, run again whole if a concurrent check wrote the same key first.
    return svc.retrying(lambda: _deadline_notices(svc, on, dues))


def _told(svc: Services, uow, d, view) -> list[tuple[str, str, list]]:
    """(stage id, stage name, people) a deadline tells: whose turn the stage is, by the rulebook."""
    if d.kind in STAGE_OF_DEADLINE:
        stage = STAGE_OF_DEADLINE[d.kind]
        return [(spec.id, spec.name, people) for spec, people in turns(svc.config, view, uow.dossiers.decisions(view.id))
                if spec.id == stage]
    if d.kind == "retrospective":
        from review.decisions import retrospective_pending
        from services.review.basics import pipeline_for
        pipeline = pipeline_for(svc.config, view.current)
        pending = set(retrospective_pending(view, pipeline, uow.dossiers.decisions(view.id)))
        return [(spec.id, spec.name, [p for p in svc.config.people
                                      if rules.may_decide(p, view.submitters, view.drafting_unit, spec) is None])
                for spec in pipeline.stages if spec.id in pending]
    if d.kind == "filing":
        return [("filing", "报备", [p for p in svc.config.people if rules.may_keep_register(p) is None])]
    return []


def _deadline_notices(svc: Services, on: dt.date, dues: list) -> DeadlineNotices:
    out = DeadlineNotices()
    with svc.unit() as uow:
        for d in dues:
            row, view = uow.dossiers.view(d.dossier)
            overdue = d.status == "overdue"
            kind = "overdue" if overdue else "due_soon"
            if overdue:
                late = working_days_between(d.due, on, svc.config.calendar)
                when = f"已逾期 {late} 个工作日" if late > 0 else "已逾期"
            elif d.status == "due_today":
                when = "今日到期"
            else:
                when = f"还剩 {working_days_between(on, d.due, svc.config.calendar)} 个工作日"
            for stage_id, stage_name, people in _told(svc, uow, d, view):
                link = "/desk/register" if d.kind == "filing" else f"{dossier_link(view.id)}/review"
                for p in people:
                    body = (f"卷宗 {view.id} {named(row.title)}（{row.drafting_unit}，第 {view.current.number} 版）"
                            f"的{d.kind_name}为 {d.due:%Y年%m月%d日}（{d.period}），{when}。"
                            + (f"\n注：{d.note}" if d.note else "")
                            + ("\n请尽快办理；逾期情况将计入年度报告。" if overdue else "\n请在期限内办理。"))
                    text = f"{who(p, p.name)}：\n\n{body}\n\n办理入口：{{desk}}{link}"
                    subject = f"【{'已逾期' if overdue else '即将到期'}】{named(row.title)}（{stage_name}，{when}）"
                    # One notice per person, dossier (version), stage and kind: a check run every day (or
                    # twice) tells once that the deadline is near and once that it has passed.
                    added = uow.notifications.add(
                        key=f"{kind}:{view.id}:v{view.current.number}:{stage_id}:{p.name}",
                        person=p.name, kind=kind, subject=subject, body=text, at=svc.now(),
                        address=address_of(svc, p), dossier_id=view.id, stage=stage_id, link=link,
                        note="未登记电子邮箱（lockstep.toml [[people]] email），只在工作台通知中显示")
                    out.added += added is not None
                    out.found.append({"dossier": view.id, "stage": stage_id, "person": p.name, "status": d.status,
                                      "kind": d.kind, "due": d.due.isoformat(), "new": added is not None})
    return out


# ---------------------------------------------------------------- the sender

class SendResult(BaseModel):
    sent: list[int] = []
    retrying: list[dict] = []         # given back after a fault: id, attempts, note, next attempt
    failed: list[dict] = []
    skipped: list[dict] = []          # no server configured: inbox only
    note: str | None = None


class _Fault(Exception):
    """The server is away or refused for now: give the mail back."""


def send_pending(svc: Services, *, limit: int = 50, due_only: bool = True, retry_failed: bool = False) -> SendResult:
    """Send every notice whose mail is pending (with `due_only`, those whose next try is due; without
    it, `lockstep notify send`, every pending one now), each tried once per call."""
    mail = svc.config.mail
    out = SendResult(note=None if mail.host.strip() else NO_SERVER)
    tried: list[int] = []
    while batch := svc.retrying(lambda: _claim(svc, limit=limit, due_only=due_only, retry_failed=retry_failed,
                                                exclude=tuple(tried))):
        tried += [n.id for n in batch]
        if not mail.host.strip():
            for n in batch:
                _settle(svc, lambda ns, n=n: ns.skipped(n, NO_SERVER))
                out.skipped.append({"id": n.id, "person": n.person, "note": NO_SERVER})
            continue
        _send_batch(svc, mail, batch, out)
    return out


def _claim(svc: Services, **kw) -> list[Notice]:
    with svc.unit() as uow:
        return uow.notifications.claim(now=svc.now(), **kw)


def _settle(svc: Services, change) -> None:
    """`change(uow.notifications)` in a transaction of its own; a database away too leaves the claim
    to go stale (it is claimed again later)."""
    try:
        with svc.unit() as uow:
            change(uow.notifications)
    except Exception:       # noqa: BLE001
        pass


def _fault(svc: Services, n: Notice, note: str, out: SendResult) -> None:
    if n.attempts >= MAX_ATTEMPTS:
        text = f"{note}（已尝试 {n.attempts} 次，不再自动重试；lockstep notify send --retry-failed 可再试）"
        _settle(svc, lambda ns: ns.failed(n, text))
        out.failed.append({"id": n.id, "person": n.person, "attempts": n.attempts, "note": text})
        return
    wait = min(dt.timedelta(minutes=2 ** (n.attempts - 1)), MAX_WAIT)
    at = svc.now() + wait
    _settle(svc, lambda ns: ns.give_back(n, note, at))
    out.retrying.append({"id": n.id, "person": n.person, "attempts": n.attempts, "note": note,
                         "next_attempt_at": at.isoformat()})


def _connect(mail: Mail) -> smtplib.SMTP:
    password = ""
    if mail.user:
        if not mail.password_env or os.environ.get(mail.password_env) is None:
            raise _Fault(f"邮件服务器需要登录，但环境变量 {mail.password_env or '（未指定 password_env）'} 未设置")
        password = os.environ[mail.password_env]
    try:
        conn = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
    except (OSError, smtplib.SMTPException) as e:
        raise _Fault(f"无法连接邮件服务器 {mail.host}:{mail.port}（{_why(e)}），稍后重试") from e
    try:
        conn.ehlo()
        if mail.starttls:
            conn.starttls()
            conn.ehlo()
        if mail.user:
            conn.login(mail.user, password)
    except (OSError, smtplib.SMTPException) as e:
        _quit(conn)
        raise _Fault(f"邮件服务器 {mail.host}:{mail.port} 握手或登录失败（{_why(e)}），稍后重试") from e
    return conn


def _send_batch(svc: Services, mail: Mail, batch: list[Notice], out: SendResult) -> None:
    try:
        conn = _connect(mail)
    except _Fault as f:
        for n in batch:
            _fault(svc, n, str(f), out)
        return
    try:
        for i, n in enumerate(batch):
            try:
                mail_of_n = message(svc.config, n)
            except (ValueError, TypeError) as e:      # a header no mail can carry (an address with a line break)
                _refused(svc, n, 554, f"邮件无法组成（{_why(e)}），请核对收件人的姓名与邮箱", out)
                continue
            try:
                conn.send_message(mail_of_n)
            except smtplib.SMTPRecipientsRefused as e:
                code = min((c for c, _ in e.recipients.values()), default=550)
                _refused(svc, n, code, f"收件地址 {n.address} 被拒绝（{code}）", out)
                continue
            except smtplib.SMTPResponseException as e:
                _refused(svc, n, e.smtp_code, f"邮件服务器拒收（{e.smtp_code} {_text(e.smtp_error)}）", out)
                if isinstance(e, smtplib.SMTPSenderRefused) or e.smtp_code == 421:
                    for rest in batch[i + 1:]:
                        _fault(svc, rest, f"邮件服务器中断（{e.smtp_code}），稍后重试", out)
                    return
                continue
            except (OSError, smtplib.SMTPException) as e:
                for rest in batch[i:]:
                    _fault(svc, rest, f"发送中与邮件服务器断开（{_why(e)}），稍后重试", out)
                return
            crash_point("notify.sent_unrecorded")       # tests/faults: the server has it, the row does not say so
            _settle(svc, lambda ns, n=n: ns.sent(n, svc.now()))
            out.sent.append(n.id)
    finally:
        _quit(conn)


def _refused(svc: Services, n: Notice, code: int, note: str, out: SendResult) -> None:
    if code >= 500:                 # permanent: trying again cannot help
        _settle(svc, lambda ns: ns.failed(n, note))
        out.failed.append({"id": n.id, "person": n.person, "attempts": n.attempts, "note": note})
    else:
        _fault(svc, n, note + "，稍后重试", out)


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()


def _why(e: BaseException) -> str:
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "超时"
    if isinstance(e, ConnectionRefusedError):
        return "连接被拒绝"
    return f"{type(e).__name__}: {e}"


def _text(b) -> str:
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)


def message(config: Config, n: Notice) -> EmailMessage:
    """The notice as an e-mail: Chinese subject and body in UTF-8 (RFC 2047 headers, base64 body);
    the Message-ID is the notice's own, so a mail sent twice (a sender killed after the send) is one
    message to the reader's client."""
    mail = config.mail
    sender = mail.sender.strip() or f"lockstep@{mail.host.strip() or 'localhost'}"
    person = config.person(n.person)
    msg = EmailMessage()
    msg["Subject"] = _one_line(n.subject)       # a line break in a header would start another header
    msg["From"] = formataddr((_one_line(f"{config.city} Lockstep 工作台"), sender))
    msg["To"] = formataddr((_one_line(who(person, n.person)), n.address or ""))
    msg["Date"] = format_datetime(n.created_at.astimezone())
    domain = sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<lockstep.notice.{n.id}.{n.created_at:%Y%m%d%H%M%S}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(n.body.replace("{desk}", mail.desk_url.rstrip("/")), charset="utf-8")
    return msg


def _one_line(text: str) -> str:
    """A header's words on one line: every line break (and any other run of spaces) one space."""
    return " ".join((text or "").split())


# ---------------------------------------------------------------- the sweep

class Sweep(BaseModel):
    deadlines: DeadlineNotices
    mail: SendResult


def sweep(svc: Services, on: dt.date | None = None) -> Sweep:
    """The scheduled check's and the desk start's part: deadline notices, then every mail due."""
    found = deadline_notices(svc, on)
    return Sweep(deadlines=found, mail=send_pending(svc))


def waiting(svc: Services) -> list[Notice]:
    with svc.unit() as uow:
        return uow.notifications.waiting()
