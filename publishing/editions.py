"""The gazette's two editions from one source (电子版与印刷版同源、同时发布, DESIGN.md rule 7).

`IssueContent` is the single source: the issue's cover facts and its items in gazette order, each
with its policy and interpretation materials as kept at publication (each docx's HTML, text and
blocks: publishing/derived.py; pictures as stored). The print edition (one docx, see
publishing/editions_print.py) and the electronic edition (an HTML folder, here) are both rendered
from it in the same release, so they cannot drift apart.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import PurePosixPath

from pydantic import BaseModel

from documents.shown import without_direction
from publishing.corrections import Notice
from publishing.docx_text import Block
from publishing.gazette_rules import CORRECTION_SECTION, INTERPRETATION_SECTION
from publishing.web_release import page_html, short_title
from templates import render

CST = dt.timezone(dt.timedelta(hours=8), "CST")


class Material(BaseModel, frozen=True):
    name: str
    picture: bool = False            # an image (一图读懂) rather than a docx
    data: bytes = b""                # the picture
    html: str = ""                   # the docx: mammoth's HTML
    blocks: tuple[Block, ...] = ()   # the docx: its body, for the print edition


class EditionItem(BaseModel, frozen=True):
    dossier: str
    section: str
    title: str
    doc_number: str | None = None
    organ: str | None = None
    date_text: str | None = None     # 成文日期 as written
    interpreting_unit: str
    policy_html: str = ""            # the policy docx: mammoth's HTML
    policy_blocks: tuple[Block, ...] = ()    # the policy docx: its body, for the print edition
    head: frozenset[str] = frozenset()   # its banner, number and title: the edition prints its own
    materials: tuple[Material, ...] = ()
    # 撤回公开 after release: the web edition shows a withdrawal notice in its place, drops it from
    # the 目录 and the feed and carries none of its pictures; the print edition is never rebuilt.
    withdrawn: dt.date | None = None

    @property
    def short_title(self) -> str:
        return short_title(self.title)

    @property
    def interpretation_title(self) -> str:
        return f"《{self.short_title}》政策解读"


class IssueContent(BaseModel, frozen=True):
    city: str
    editor: str                      # 主办单位, printed on the cover
    year: int
    number: int
    total: int
    release_date: dt.date
    # When the release ran: kept on the issue row, never printed. Both editions are made from the
    # issue's facts alone (its 出版日期 stands for the moment), so the same issue gives the same bytes
    # and a release retried after a crash stores and writes exactly what the killed one did.
    released_at: dt.datetime | None = None
    items: tuple[EditionItem, ...]   # already in gazette order
    notices: tuple[Notice, ...] = ()  # 更正启事 for earlier issues, printed last, in this order

    @property
    def name(self) -> str:
        return f"公报{self.year}年第{self.number}期"

    @property
    def issue_line(self) -> str:
        return f"{self.year}年第{self.number}期（总第{self.total}期）"

    @property
    def published_at(self) -> dt.datetime:
        """The edition's moment: 00:00 China Standard Time on its 出版日期 (deterministic)."""
        return dt.datetime.combine(self.release_date, dt.time(0), tzinfo=CST)

    @property
    def date_text(self) -> str:
        d = self.release_date
        return f"{d.year}年{d.month}月{d.day}日"

    def sections(self) -> list[tuple[str, list[tuple[int, EditionItem]]]]:
        """[(section, [(1-based position, item)])] in order; 政策解读 is added by the renderers."""
        out: list[tuple[str, list[tuple[int, EditionItem]]]] = []
        for n, item in enumerate(self.items, 1):
            if not out or out[-1][0] != item.section:
                out.append((item.section, []))
            out[-1][1].append((n, item))
        return out


# ---------------------------------------------------------------- the electronic edition

def item_path(item: EditionItem) -> str:
    return f"items/{item.dossier}.html"


def interpretation_path(item: EditionItem) -> str:
    return f"interpretations/{item.dossier}.html"


def notice_path(notice: Notice) -> str:
    return f"corrections/{notice.id}.html"


def corrected_href(notice: Notice) -> str | None:
    """From a notice page to the corrected issue's page, assuming the issues' folders side by side
    (as the desk and `lockstep demo` release them: HOME/gazette/ISSUE/html). Imported history has
    no pages of ours: then the notice names the issue in words only."""
    if notice.corrects.issue and notice.item is not None and notice.item.dossier:
        return f"../../../{notice.corrects.issue}/html/items/{notice.item.dossier}.html"
    return None


def web_edition(issue: IssueContent, print_name: str | None = None) -> dict[str, bytes]:
    """The HTML folder: relative path → bytes. index.html carries the same 目录 as the print
    edition; each item page links its interpretation page and back."""
    files: dict[str, bytes] = {}
    common = dict(city=issue.city, issue=issue, released_at=issue.date_text)
    for n, item in enumerate(issue.items, 1):
        if item.withdrawn is not None:
            # The notice names neither the document's title nor its number: only that it was withdrawn.
            withdrawn = render("gazette_withdrawn.html.j2", **common,
                               withdrawn=_day_text(item.withdrawn)).encode("utf-8")
            files[item_path(item)] = withdrawn
            files[interpretation_path(item)] = withdrawn
            continue
        materials = []
        for m in item.materials:
            if m.picture:
                asset = f"assets/{hashlib.sha256(m.data).hexdigest()}{PurePosixPath(m.name).suffix.lower()}"
                files[asset] = m.data
                materials.append({"name": m.name, "image": "../" + asset})
            else:
                materials.append({"name": m.name, "html": page_html(m.html)})
        files[item_path(item)] = render(
            "gazette_item.html.j2", **common, item=item, position=n,
            body_html=page_html(item.policy_html, item.head),
            interpretation_href="../" + interpretation_path(item)).encode("utf-8")
        files[interpretation_path(item)] = render(
            "gazette_interpretation.html.j2", **common, item=item, materials=materials,
            policy_href="../" + item_path(item)).encode("utf-8")
    for notice in issue.notices:
        files[notice_path(notice)] = render("gazette_correction.html.j2", **common, notice=notice,
                                            section=CORRECTION_SECTION,
                                            corrected_href=corrected_href(notice)).encode("utf-8")
    files["feed.json"] = feed(issue)
    shown = public_items(issue)
    files["index.html"] = render(
        "gazette_index.html.j2", **{**common, "issue": shown}, sections=shown.sections(),
        interpretation_section=INTERPRETATION_SECTION, item_path=item_path,
        interpretation_path=interpretation_path, correction_section=CORRECTION_SECTION, notice_path=notice_path,
        print_href=f"../{print_name}" if print_name else None).encode("utf-8")
    return files


def _day_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def public_items(issue: IssueContent) -> IssueContent:
    """The issue as its web 目录 lists it: without the items withdrawn from public view."""
    if all(item.withdrawn is None for item in issue.items):
        return issue
    return issue.model_copy(update={"items": tuple(i for i in issue.items if i.withdrawn is None)})


def feed(issue: IssueContent) -> bytes:
    """A JSON Feed (jsonfeed.org, version 1.1) of the issue, for a website or an aggregator to pick
    up: each item with its page, its interpretation page and the gazette facts as an extension."""
    published = issue.published_at.isoformat()
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{issue.city}人民政府公报 {issue.issue_line}",
        "language": "zh-CN",
        "home_page_url": "index.html",
        "items": [{
            "id": item.dossier,
            "url": item_path(item),
            "title": item.title,
            "date_published": published,
            "_gazette": {"section": item.section, "position": n, "document_number": item.doc_number,
                         "organ": item.organ, "date": item.date_text,
                         "interpretation_url": interpretation_path(item),
                         "interpretation_title": item.interpretation_title,
                         "interpreting_unit": item.interpreting_unit},
        } for n, item in enumerate(issue.items, 1) if item.withdrawn is None] + [{
            "id": f"correction-{notice.id}",
            "url": notice_path(notice),
            "title": notice.title,
            "content_text": "\n".join(notice.paragraphs),
            "date_published": published,
            "_gazette": {"section": CORRECTION_SECTION, "corrects_issue": notice.corrects.issue,
                         "corrects_dossier": notice.item.dossier if notice.item else None},
        } for notice in issue.notices],
    }
    # direction controls: the one list every output leaves out (documents/shown.py); a JSON string holds none
    return without_direction(json.dumps(doc, ensure_ascii=False, indent=2)).encode("utf-8")


def manifest(files: dict[str, bytes]) -> bytes:
    """A folder's content as canonical JSON: path → sha256. Its own sha256 fingerprints the folder."""
    listing = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    return json.dumps(listing, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def fingerprint(files: dict[str, bytes]) -> str:
    return hashlib.sha256(manifest(files)).hexdigest()

