"""Corrections to a released gazette issue (更正启事).

A released issue is immutable (issue 4): what it printed wrong is put right by a notice printed in
a later issue, naming the issue (and, where it can, the item) it corrects. Pure: the service
gathers the facts, these rules answer with problems or values; the editions render the notices.
"""
from __future__ import annotations

import re

from pydantic import BaseModel

from documents.problems import Problem, problem
from documents.shown import echoed
from publishing.web_release import short_title

MAX_TEXT = 20_000            # characters: a notice is a few paragraphs, not a second issue
_BLANKS = re.compile(r"\n{3,}")


class IssueRef(BaseModel, frozen=True):
    """What the rules need to know about an issue."""
    issue: str
    year: int
    number: int
    total: int | None = None
    status: str                       # draft, released

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}期"

    @property
    def line(self) -> str:
        return self.label + (f"（总第{self.total}期）" if self.total else "")


class CorrectedItem(BaseModel, frozen=True):
    """An item of the corrected issue, as that issue printed it."""
    item: int                         # gazette_items.id, or gazette_imported_items.id for history
    dossier: str | None = None        # None for an item of an imported issue
    title: str
    document_number: str | None = None
    position: int | None = None


class Notice(BaseModel, frozen=True):
    """One 更正启事 as the editions print it (publishing/editions.py, editions_print.py)."""
    id: int
    corrects: IssueRef
    item: CorrectedItem | None = None
    text: str

    @property
    def title(self) -> str:
        return notice_title(self.corrects, self.item)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return paragraphs(self.text)

    @property
    def subject(self) -> str:
        """What it corrects, in one line: 本刊2019年第8期《…》（根政办发〔2019〕3号）."""
        if self.item is None:
            return f"本刊{self.corrects.line}"
        number = f"（{self.item.document_number}）" if self.item.document_number else ""
        inner = self.item.title.replace("《", "〈").replace("》", "〉")     # a title within a title
        return f"本刊{self.corrects.line}《{inner}》{number}"


WITHDRAWN_TEXT = "本启事所更正的文件已撤回公开，更正内容不再公开。"


def withdrawn(notice: Notice) -> Notice:
    """A notice naming a document that is not public now (撤回公开, review.rules.is_public) as every
    public page prints it: no title, number or dossier of that document, nor the editor's words,
    which may quote them; only that the issue was corrected and the correction withdrawn."""
    return notice.model_copy(update={"item": None, "text": WITHDRAWN_TEXT})


def clean_text(text: str | None) -> str:
    """The editor's text as kept: newlines unified, trailing spaces gone, at most one blank line
    between paragraphs (a form or a file may bring \\r\\n and stray blank lines)."""
    lines = [line.rstrip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def paragraphs(text: str) -> tuple[str, ...]:
    """One paragraph per non-empty line; the editions indent by style, so leading spaces
    (half- or full-width, as typed to indent) are dropped."""
    return tuple(p for p in (line.strip(" \t\u3000") for line in clean_text(text).split("\n")) if p)


def notice_title(corrects: IssueRef, item: CorrectedItem | None) -> str:
    if item is None:
        return f"关于本刊{corrects.label}的更正启事"
    return f"关于本刊{corrects.label}《{short_title(item.title)}》的更正启事"


def add_problems(notice_issue: IssueRef, corrects: IssueRef, text: str) -> list[Problem]:
    """Everything that keeps a notice out of an issue: only a released issue is corrected, only in
    a later issue still being assembled, and only with something to say."""
    out = []
    if corrects.status != "released":
        out.append(problem("invalid_state", f"公报{corrects.label}尚未出版：未出版的期次请直接修改其稿件，"
                                            "更正启事只用于已出版的一期"))
    if notice_issue.status != "draft":
        out.append(problem("invalid_state", f"公报{notice_issue.label}已出版，不能再刊登更正启事；"
                                            "请在以后编排中的一期刊登"))
    if (notice_issue.year, notice_issue.number) <= (corrects.year, corrects.number):
        out.append(problem("invalid_state", f"更正启事须刊登在被更正的一期之后：公报{notice_issue.label}"
                                            f"不晚于被更正的{corrects.label}，请选一期更晚的公报"))
    cleaned = clean_text(text)
    if not cleaned:
        out.append(problem("request_invalid", "更正内容不能为空：请写明哪一处有误、应更正为什么"))
    elif len(cleaned) > MAX_TEXT:
        out.append(problem("request_invalid", f"更正内容有 {len(cleaned)} 个字，超过 {MAX_TEXT} 字的上限，"
                                              "请精简后再提交"))
    return out


def removal_problems(notice_issue: IssueRef) -> list[Problem]:
    """A notice comes out of a draft issue only: once printed, it is part of an immutable issue."""
    if notice_issue.status != "draft":
        return [problem("invalid_state", f"公报{notice_issue.label}已出版，其中的更正启事不能撤下；"
                                         "如需再更正，请在以后的一期另发更正启事")]
    return []


def find_item(corrects: IssueRef, items: list[CorrectedItem], *, dossier: str | None = None,
              item: int | None = None) -> CorrectedItem | Problem | None:
    """The corrected item named by dossier or by gazette item number; None when neither is given."""
    if dossier is None and item is None:
        return None
    found = [i for i in items if (dossier is None or i.dossier == dossier) and (item is None or i.item == item)]
    if not found:
        named = " ".join(x for x in (f"卷宗 {echoed(dossier)}" if dossier else "", f"稿件 {item}" if item else "") if x)
        return problem("not_found", f"公报{corrects.label}中没有{named}：请用 lockstep gazette issue show "
                                    f"{corrects.issue} 查看该期所载的稿件")
    return found[0]
