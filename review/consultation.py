"""Public consultation on major decisions (重大行政决策预公开): the period's rules, no I/O."""
from __future__ import annotations

import datetime as dt

from documents.problems import Refused, problem
from review.clock import Period

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
