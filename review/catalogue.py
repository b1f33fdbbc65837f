"""The 政府信息公开 catalogue of a published document (issue 15, item 4): its 主题分类 and its 索引号.

Pure: the `[site]` settings of lockstep.toml, the check of a 主题分类 against the configured list
(fail closed: a topic the list does not name is refused, never filed under 其他), and the 索引号's
format. The number itself comes from a locking counter (storage/counters.py, sequence "index", per
year of publication), taken last in the publication's transaction, as the register number is.
"""
from __future__ import annotations

import re
import string

from pydantic import BaseModel, field_validator

from documents.problems import Problem, problem

# The 主题分类 of the State Council's policy-document catalogue (gov.cn 政策文件库), as most local
# 政府信息公开 platforms use it. A home may give its own list in [site] topics.
# Checked 2026-12-07: no official page listing the whole catalogue was found to cite, so the list is
# unchanged. Pages of www.gov.cn/zhengce/content/ (seen only through a 2018 crawl of them, GitHub
# ZhouYNF/platform-1 db/ge_policy_raw-20190217.sql: e.g. 2018-12/29/content_5353307.htm 卫生、体育\医药管理,
# 2018-12/27/content_5352666.htm 综合政务\政务公开) use 17 of these first-level names, spelt as here, and
# one more, 国务院组织机构, which is the State Council's own and not offered here.
DEFAULT_TOPICS: tuple[str, ...] = (
    "综合政务", "国民经济管理、国有资产监管", "财政、金融、审计", "国土资源、能源", "农业、林业、水利",
    "工业、交通", "商贸、海关、旅游", "市场监管、安全生产监管", "城乡建设、环境保护", "科技、教育",
    "文化、广电、新闻出版", "卫生、体育", "人口与计划生育、妇女儿童工作", "劳动、人事、监察",
    "公安、安全、司法", "民政、扶贫、救灾", "民族、宗教", "对外事务", "港澳台侨工作", "国防", "其他",
)

INDEX_FORMAT = "{prefix}/{year}-{serial:05d}"
INDEX_SEQUENCE = "index"             # the counter's sequence (storage/counters.py)


class Site(BaseModel, frozen=True):
    """[site] in lockstep.toml: the 主题分类 list and the 索引号's prefix and format. A blank prefix
    falls back to the register prefix (register_prefix); offices usually put the organ's
    统一社会信用代码 or 组织机构代码 here."""
    topics: tuple[str, ...] = DEFAULT_TOPICS
    index_prefix: str = ""
    index_format: str = INDEX_FORMAT

    @field_validator("topics")
    @classmethod
    def _topics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(dict.fromkeys(t.strip() for t in value if t and t.strip()))
        if not cleaned:
            raise ValueError("[site] topics 不能为空")
        return cleaned

    @field_validator("index_format")
    @classmethod
    def _format(cls, value: str) -> str:
        names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        if "serial" not in names or not names <= {"prefix", "year", "serial"}:
            raise ValueError("[site] index_format 须含 {serial}，只可用 {prefix}、{year}、{serial}")
        return value


def _norm(text: str) -> str:
    """A topic as compared: without any spaces (全角 included); the list's 、 and ， count alike."""
    return re.sub(r"\s+", "", text.replace("\u3000", " ")).replace("，", "、").replace(",", "、")


def topic_problem(topic: object, topics: tuple[str, ...], code: str = "request_invalid") -> Problem | None:
    """None for a topic the list names (or none given); else the coded refusal. Fail closed: an
    unknown or malformed topic is refused, never filed under 其他."""
    if topic is None:
        return None
    if not isinstance(topic, str) or not _norm(topic):
        return problem(code, "主题分类须为文字，且为配置中的一项：" + "、".join(f"“{t}”" for t in topics))
    if canonical_topic(topic, topics) is None:
        return problem(code, f"主题分类“{topic.strip()}”不在本级政府信息公开目录的主题分类中；可选："
                             + "；".join(topics))
    return None


def canonical_topic(topic: str | None, topics: tuple[str, ...]) -> str | None:
    """The list's own spelling of a topic (spaces and 、/， aside), or None."""
    if topic is None:
        return None
    key = _norm(topic)
    return next((t for t in topics if _norm(t) == key), None)


def index_number(site: Site, register_prefix: str, year: int, serial: int) -> str:
    return site.index_format.format(prefix=site.index_prefix.strip() or register_prefix, year=year, serial=serial)


def index_serial(site: Site, register_prefix: str, year: int, number: str | None) -> int | None:
    """The serial of an 索引号 of this format, prefix and year (None for another's): the counter's
    floor for a home whose numbers were given before the counter row existed."""
    if not number:
        return None
    pattern = ""
    for literal, field, spec, _ in string.Formatter().parse(site.index_format):
        pattern += re.escape(literal)
        if field == "prefix":
            pattern += re.escape(site.index_prefix.strip() or register_prefix)
        elif field == "year":
            pattern += re.escape(format(year, spec or ""))
        elif field == "serial":
            pattern += r"(\d+)"
    m = re.fullmatch(pattern, number)
    return int(m.group(1)) if m else None
