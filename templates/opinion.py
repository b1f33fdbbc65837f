"""合法性审核意见书 (legality review opinion): a numbered docx rendered from a Word template.

The default template, `legality_opinion.docx` beside this module, is built by
`scripts/make_templates.py` and laid out per GB/T 9704-2012 (A4, 37/35/28/26 mm margins, title
方正小标宋简体 22 pt, body 仿宋_GB2312 16 pt, red organ line). An office may open it in Word,
change the wording or the layout, keep the docxtpl placeholders, and pass its own template's
bytes to `render_opinion`.

The placeholders are: organ, opinion_number, title (a title it quotes in 〈〉, documents/titles.py),
doc_number ("" when none), drafting_unit, materials (what came with the document in this version,
e.g. "及其起草说明、解读方案、解读材料（2份）、舆情风险评估报告"; "" when the document came alone),
approved, reasons (each with anchor and text), comment, reviewer (the reviewing person as offices
know them), reviewer_unit, date_text (2019年8月2日) and date (ISO, 2019-08-02). An office's
template is rendered in a Jinja sandbox: a template is a document an office edits, not code the
server runs.

Rendering is deterministic: the same opinion and template give the same bytes (fixed core
properties and zip entry times), so an opinion's fingerprint is stable.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from importlib import resources

from docxtpl import DocxTemplate, Listing
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, field_validator, model_validator

from documents.titles import nested

TEMPLATE_NAME = "legality_opinion.docx"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

_ORGAN_CODE = re.compile(r"^[\u4e00-\u9fff]{1,12}$")
# Characters XML 1.0 cannot carry (C0 controls other than tab/newline/CR, lone surrogates, FFFE/F).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class OpinionReason(BaseModel, frozen=True):
    anchor: str = ""   # where in the document the problem is, e.g. 第三条 or 第2段
    text: str


class Opinion(BaseModel, frozen=True):
    organ: str                     # the reviewing organ, e.g. 根河市司法局
    opinion_number: str            # e.g. 根司合审〔2019〕12号 (see `opinion_number`)
    title: str                     # the reviewed document's title, without 《》
    doc_number: str | None         # the reviewed document's 发文字号, when it has one
    drafting_unit: str             # addressee: the drafting unit (起草单位)
    approved: bool
    reasons: tuple[OpinionReason, ...] = ()
    comment: str = ""
    reviewer: str                  # the reviewing person as offices know them (张明), never a login id
    date: dt.date
    materials: tuple[str, ...] = ()   # roles received with the policy in this version (documents.models ROLE_NAMES)
    reviewer_unit: str = ""

    @field_validator("title")
    @classmethod
    def _strip_book_marks(cls, value: str) -> str:
        """Without its own 《》, a title it quotes in 〈〉: it is printed inside 《…》."""
        return nested(value)

    @model_validator(mode="after")
    def _says_one_thing(self) -> "Opinion":
        """An approval carries no return reasons; a return names at least one. An opinion never says
        both 内容合法 and 请修改后重新报送, and a return never goes out empty."""
        if self.approved and self.reasons:
            raise ValueError("通过的意见书不能附退回理由")
        if not self.approved and not any(r.text.strip() for r in self.reasons):
            raise ValueError("退回的意见书须至少写明一条理由")
        return self


def opinion_number(organ_code: str, year: int, serial: int) -> str:
    """根司合审〔2019〕12号: 机关代字〔年份〕序号号, six-sided brackets, no padding, no 第."""
    if not _ORGAN_CODE.match(organ_code):
        raise ValueError(f"机关代字应为 1-12 个汉字：{organ_code!r}")
    if not 1900 <= year <= 2099:
        raise ValueError(f"年份不正确：{year}")
    if serial < 1:
        raise ValueError(f"序号应为正整数：{serial}")
    return f"{organ_code}〔{year}〕{serial}号"


def date_text(day: dt.date) -> str:
    """Arabic numerals written in full, without padding: 2019年8月2日 (GB/T 9704-2012 7.3.5)."""
    return f"{day.year}年{day.month}月{day.day}日"


# How the opinion names each kind of material received, in the order a clerk lists them.
MATERIAL_WORDS: tuple[tuple[str, str], ...] = (
    ("drafting_note", "起草说明"), ("interpretation_plan", "解读方案"), ("interpretation_material", "解读材料"),
    ("graphic_interpretation", "图文解读"), ("risk_assessment", "舆情风险评估报告"),
    ("response_plan", "应对处置预案"), ("consultation", "征求意见材料"), ("other", "其他材料"),
)


def materials_text(roles) -> str:
    """What came with the document, as the opinion says it received them: “及其起草说明、解读方案、
    解读材料（2份）、舆情风险评估报告”; only what was received, each kind once with its count;
    "" when the document came alone. `roles`: the role of each file of the version."""
    roles = list(roles)
    parts = []
    for role, words in MATERIAL_WORDS:
        n = roles.count(role)
        if n:
            parts.append(words + (f"（{n}份）" if n > 1 else ""))
    return f"及其{'、'.join(parts)}" if parts else ""


def default_template() -> bytes:
    return resources.files("templates").joinpath(TEMPLATE_NAME).read_bytes()


def render_opinion(opinion: Opinion, template: bytes | None = None) -> bytes:
    """The opinion as docx bytes, from the default template or an office's own (`template`)."""
    tpl = DocxTemplate(io.BytesIO(template if template is not None else default_template()))
    env = SandboxedEnvironment(autoescape=True)
    tpl.render(_context(opinion), jinja_env=env, autoescape=True)
    core = tpl.docx.core_properties
    when = dt.datetime(opinion.date.year, opinion.date.month, opinion.date.day, tzinfo=dt.timezone.utc)
    core.title = _clean(f"关于《{nested(opinion.title)}》的合法性审核意见书")
    core.subject = _clean(opinion.opinion_number)
    core.author = core.last_modified_by = _clean(opinion.reviewer)
    core.created = core.modified = when
    core.revision = 1
    buffer = io.BytesIO()
    tpl.save(buffer)
    return normalize_zip(buffer.getvalue())


def normalize_zip(data: bytes) -> bytes:
    """The same package with fixed entry times and attributes, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


def _clean(text: str) -> str:
    """Word obeys direction controls: the opinion leaves them out, as the pages do (documents/shown.py)."""
    from documents.shown import without_direction
    return without_direction(_XML_INVALID.sub("", text))


def _paragraphs(text: str) -> Listing:
    """Escaped text whose lines become paragraphs of the placeholder's style (docxtpl's \\a).

    A line break inside a justified 公文 paragraph would stretch the line before it; a new
    paragraph keeps the indent and the style an office gave the placeholder."""
    lines = [line.strip() for line in _clean(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return Listing("\a".join(line for line in lines if line))


def _context(opinion: Opinion) -> dict:
    return {
        "organ": _clean(opinion.organ),
        "opinion_number": _clean(opinion.opinion_number),
        "title": _clean(nested(opinion.title)),       # printed inside 《…》: a title it quotes in 〈〉
        "doc_number": _clean(opinion.doc_number or ""),
        "drafting_unit": _clean(opinion.drafting_unit),
        "materials": _clean(materials_text(opinion.materials)),
        "approved": opinion.approved,
        # Reasons belong to a return only: an office's template that lists them unconditionally
        # still never prints return reasons under an approval.
        "reasons": [] if opinion.approved else [{"anchor": _clean(r.anchor), "text": _paragraphs(r.text)}
                                                for r in opinion.reasons if r.text.strip()],
        "comment": _paragraphs(opinion.comment) if opinion.comment.strip() else "",
        "reviewer": _clean(opinion.reviewer),
        "reviewer_unit": _clean(opinion.reviewer_unit),
        "date_text": date_text(opinion.date),
        "date": opinion.date.isoformat(),
    }
