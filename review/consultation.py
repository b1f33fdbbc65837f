"""Public consultation on major decisions (重大行政决策预公开): the period's rules, no I/O."""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import BaseModel

from documents.problems import Refused, problem
from review.clock import Period
from review.model import Event

ADOPTION = ("采纳", "部分采纳", "未采纳")


def check_period(opens: dt.date, closes: dt.date, minimum: Period, reason: str | None) -> None:
    """At least the minimum (30 days by default) unless shortened with a recorded reason."""
    if closes < opens:
        raise Refused(problem("request_invalid", f"征求意见截止日期 {closes} 早于开始日期 {opens}",
                              advice="请核对征求意见的开始和截止日期"))
    days = (closes - opens).days + 1
    if minimum.unit == "days" and days < minimum.amount and not (reason and reason.strip()):
        raise Refused(problem("consultation_open",
                              f"征求意见期为 {days} 日，少于 {minimum.describe()}",
                              advice="请延长征求意见期，或写明缩短期限的理由（--reason）"))


def check_summary_time(closes: dt.date, today: dt.date) -> None:
    if today <= closes:
        raise Refused(problem("consultation_open", f"征求意见期至 {closes} 结束",
                              advice="征求意见期结束后方可公布意见采纳情况"))


def normalise_adoption(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip()
    for word in ("部分采纳", "未采纳", "采纳"):      # longest first: 部分采纳 contains 采纳
        if word in v or (word == "未采纳" and v in ("不采纳", "否", "no")):
            return word
    if v.lower() in ("yes", "是", "adopted"):
        return "采纳"
    if v.lower() in ("no", "否", "rejected", "不采纳"):
        return "未采纳"
    return None


# ------------------------------------------------------------------ comments: imports and the public form

# What an online comment (网络征集) may hold. The text is what the office reads and publishes; the name
# and contact are optional and only the office sees the contact.
TEXT_MAX = 2000
NAME_MAX = 50
CONTACT_MAX = 100


def parse_received(value: str | None, row: int) -> dt.date | None:
    """A comment's date as exports write it: 2026-07-01, 2026/7/1, 2026.7.1, 2026年7月1日 (a time after it
    is ignored). Anything else is refused with the row's number, never guessed."""
    import re
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$", text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise Refused(problem("date_format", f"第 {row} 条意见的日期“{text[:30]}”无法识别",
                          advice="日期请写成 2026-07-01 或 2026年7月1日"))


def check_received(received: dt.date | None, opens: dt.date, row: int, closes: dt.date | None = None) -> None:
    """A comment dated before its period opened, or received after it closed, was not given in it:
    refused with its row's number, never recorded."""
    if received is not None and received < opens:
        raise Refused(problem("request_invalid", f"第 {row} 条意见的日期 {received} 早于征求意见开始日期 {opens}",
                              advice="征求意见期开始前的意见不能计入本次征求意见；请核对导出文件或日期列"))
    if received is not None and closes is not None and received > closes:
        raise Refused(problem("request_invalid",
                              f"第 {row} 条意见的收到日期 {received} 晚于征求意见截止日期：征求意见期已于 "
                              f"{closes:%Y年%m月%d日} 结束",
                              advice="征求意见期结束后收到的意见不能计入本次征求意见；请核对导出文件或日期列，"
                                     "或删去这些行后重新导入"))


def comment_key(author: str | None, text: str, received: dt.date | None) -> tuple[str, str, str]:
    """What makes two recorded comments the same one (an export imported twice, a row repeated):
    the same person, the same words and the same day, spaces aside."""
    def squeeze(s: str | None) -> str:
        return "".join((s or "").split())
    return squeeze(author) or "匿名", squeeze(text), received.isoformat() if received else ""


def accepting(opens: dt.date, closes: dt.date, today: dt.date, summary_published: bool) -> bool:
    """The public form is offered, and a comment taken, only within the period and before the summary."""
    return opens <= today <= closes and not summary_published


def check_accepting(opens: dt.date, closes: dt.date, today: dt.date, summary_published: bool) -> None:
    if accepting(opens, closes, today, summary_published):
        return
    if today < opens:
        raise Refused(problem("invalid_state", f"征求意见期自 {opens:%Y年%m月%d日} 开始，尚未开始接收意见",
                              advice="请在征求意见期内提交意见"))
    raise Refused(problem("invalid_state", f"征求意见期已于 {closes:%Y年%m月%d日} 结束，不再接收意见",
                          advice="征求意见期已结束；意见采纳情况将在本网站公布"))


# Characters a person cannot see that change how the text around them reads or compares: the direction
# controls (LRE…RLO U+202A–U+202E, LRI…PDI U+2066–U+2069, LRM/RLM U+200E/U+200F) that show the words in
# another order than the text holds them, and the zero-width ones (U+200B–U+200D, WORD JOINER U+2060,
# BOM U+FEFF) that make two equal comments differ. Every other format character (category Cf) goes too.
INVISIBLE = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F,
                                       *range(0x200B, 0x200E), 0x2060, 0xFEFF))


def strip_invisible(text: str | None, keep_lines: bool = False) -> str:
    """The text without invisible direction controls, zero-width characters, other format characters
    (Cf), control characters (Cc, the tab too) and lone surrogates (Cs: a JSON file's \\ud800, which no
    database can store); with keep_lines, line breaks stay, as one \\n each
    (\\r\\n, \\r, U+2028 and U+2029 become \\n); without it, a line break goes like any control character.
    Nothing else changes: letters, digits, spaces, punctuation and emoji are kept as they are."""
    import unicodedata
    s = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return "".join(ch for ch in s if (keep_lines and ch == "\n")
                   or (ch not in INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cf", "Cs")))


def clean_online_comment(name: str | None, contact: str | None, text: str | None) -> tuple[str | None, str | None, str]:
    """The public form's fields, cleaned (strip_invisible: line breaks kept in the text only), trimmed and
    capped: text required (one that is empty once cleaned is refused like an empty one), at most TEXT_MAX
    characters; name and contact optional. Lengths are counted after cleaning."""
    def tidy(s: str | None, keep_lines: bool = False) -> str:
        return strip_invisible(s, keep_lines).strip()
    body, who, how = tidy(text, True), tidy(name), tidy(contact)
    if not body:
        raise Refused(problem("request_invalid", "请填写意见内容", advice="意见内容为必填项"))
    if len(body) > TEXT_MAX:
        raise Refused(problem("request_invalid", f"意见内容为 {len(body)} 字，超过 {TEXT_MAX} 字",
                              advice=f"请精简到 {TEXT_MAX} 字以内，或分条提交"))
    if len(who) > NAME_MAX or len(how) > CONTACT_MAX:
        raise Refused(problem("request_invalid", f"姓名不超过 {NAME_MAX} 字，联系方式不超过 {CONTACT_MAX} 字",
                              advice="请核对姓名和联系方式"))
    return who or None, how or None, body


def check_throttle(by_client: int, everyone: int, pending: int, limits: "OnlineLimits") -> None:
    """Refuse a comment past the limits: this client's recent ones in this consultation, everyone's recent
    ones across the site (a burst cannot fill the disk), and those waiting in this consultation's queue."""
    if by_client >= limits.per_client:
        raise Refused(problem("too_many_requests",
                              f"同一网络地址 {limits.window_minutes} 分钟内最多提交 {limits.per_client} 条意见",
                              advice=f"请 {limits.window_minutes} 分钟后再提交；意见较多时可合并为一条"))
    if everyone >= limits.site_wide or pending >= limits.pending:
        raise Refused(problem("too_many_requests", "当前提交的意见较多，网站暂停接收",
                              advice="请稍后再提交，或以信函、电子邮件方式提出意见"))


def throttled_client(address: str | None) -> str:
    """Whom the online-comment throttle counts: an IPv4 address as it is; an IPv6 one by its /64 (every
    subscriber holds a whole /64 and may take a new address per request); an IPv4-mapped IPv6 address
    as its IPv4; anything else (no address, a name) as given."""
    import ipaddress
    text = (address or "unknown").strip()
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class OnlineLimits(BaseModel, frozen=True):
    per_client: int = 5            # per client per consultation in the window
    window_minutes: int = 10
    site_wide: int = 500           # all online comments on the site in the window
    pending: int = 5000            # waiting for moderation in one consultation


class CommentModerated(Event):
    name: ClassVar[str] = "consultation.comment_moderated"
    comment_id: int
    moderation: str               # accepted / rejected
    reason: str | None = None


class CommentDecided(Event):
    name: ClassVar[str] = "consultation.comment_decided"
    comment_id: int
    adopted: str
    response: str | None = None
