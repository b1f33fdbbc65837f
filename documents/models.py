"""What intake extracts from a bundle: plain pydantic values, no I/O."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from documents.problems import Problem

# The role a bundle member plays in a dossier (bundle.json values use these ids).
Role = Literal[
    "policy",                   # 政策文件 / 规范性文件
    "interpretation_plan",      # 解读方案
    "interpretation_material",  # 解读材料（文字解读、政策简明问答）
    "graphic_interpretation",   # 图解、一图读懂（图片或 docx）
    "risk_assessment",          # 舆情风险评估报告
    "response_plan",            # 应对处置预案（单独成文时）
    "drafting_note",            # 起草说明
    "consultation",             # 征求意见情况、意见采纳情况
    "other",
]
INTERPRETATION_ROLES: frozenset[str] = frozenset(
    {"interpretation_material", "graphic_interpretation"})
ROLE_NAMES: dict[str, str] = {
    "policy": "政策文件", "interpretation_plan": "解读方案", "interpretation_material": "解读材料",
    "graphic_interpretation": "图文解读", "risk_assessment": "舆情风险评估",
    "response_plan": "应对处置预案", "drafting_note": "起草说明", "consultation": "征求意见材料",
    "other": "其他材料",
}

Disclosure = Literal["主动公开", "依申请公开", "不予公开"]
RiskLevel = Literal["低", "中", "高"]


class DocNumber(BaseModel, frozen=True):
    """发文字号, e.g. 根政办发〔2019〕36号 → organ_code 根政办发, year 2019, serial 36."""
    raw: str
    organ_code: str
    year: int
    serial: int

    @property
    def canonical(self) -> str:
        return f"{self.organ_code}〔{self.year}〕{self.serial}号"


class OutlineItem(BaseModel, frozen=True):
    level: int            # 1 一、  2 （一）  3 1.  4 (1)
    label: str            # "一、", "（一）", "1.", "(1)"
    text: str             # the heading sentence (up to the first 。 or the whole line)
    paragraph: int        # 1-based paragraph number


class DocumentMeta(BaseModel):
    """Everything read from one docx. Fields a document does not carry stay None/empty."""
    file: str
    sha256: str
    size: int
    paragraphs: int = 0
    banner: str | None = None                 # 发文机关标志, e.g. 根河市人民政府办公室文件
    doc_number: DocNumber | None = None
    doc_number_text: str | None = None        # as written, before normalising
    title: str | None = None
    addressee: str | None = None              # 主送机关
    outline: list[OutlineItem] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list)   # 附件说明 lines, without "附件："
    signature_organ: str | None = None        # 发文机关署名
    date: dt.date | None = None               # 成文日期
    date_text: str | None = None
    disclosure: Disclosure | None = None
    disclosure_text: str | None = None
    # interpretations and plans
    interpreting_unit: str | None = None      # 解读机关 / 解读单位
    refers_to_title: str | None = None        # the policy named in 《》
    refers_to_number: DocNumber | None = None
    # risk assessments
    assessing_unit: str | None = None         # 评估单位
    risk_level: RiskLevel | None = None
    has_response_plan: bool = False
    # whether the text says when it takes effect (自…起施行); None: not read (taken in before this)
    effective_stated: bool | None = None
    # the role content suggests, used when neither bundle.json nor the file name tells
    suggested_role: Role | None = None


class InspectedFile(BaseModel):
    """The pre-flight answer for one file: metadata when it could be read, and every problem."""
    file: str
    ok: bool                                  # no problem of severity "error"
    metadata: DocumentMeta | None = None
    problems: list[Problem] = Field(default_factory=list)
    # the role the file was read in: as given (bundle.json, file name), else as its content suggests;
    # a file read as the policy gets the GB/T 9704 form checks
    role: Role | None = None
    role_source: Literal["declared", "file_name", "content"] | None = None
