"""Realistic 公文 fixtures built in code with python-docx (no binary fixtures in the repository).

`policy_lines()` reproduces a real 根河市 notice paragraph by paragraph: text, East Asian face,
size, colour and alignment as the office typed them. Tests change one thing and look for the
finding it should (or should not) cause.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, replace

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips

ALIGN = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
         "left": WD_ALIGN_PARAGRAPH.LEFT, "both": WD_ALIGN_PARAGRAPH.JUSTIFY, None: None}

XBS, FS, FS_GB, HEI, KAI = "方正小标宋简体", "仿宋", "仿宋_GB2312", "黑体", "楷体_GB2312"


@dataclass(frozen=True)
class Line:
    text: str
    face: str | None = FS_GB
    pt: float | None = 16
    color: str | None = None
    align: str | None = None
    runs: tuple[tuple[str, str | None], ...] = ()   # (text, face) runs instead of one run


def policy_lines() -> list[Line]:
    return [
        Line("根河市人民政府办公室文件", XBS, 26, "FF0000", "center"),
        Line("根政办发〔2019〕36号", FS_GB, 16, None, "center"),
        Line(""),
        Line("根河市人民政府办公室关于印发《根河市2019年政务公开工作要点》的通知", XBS, 22, None, "center"),
        Line("各乡镇人民政府、街道办事处、市直各部门、驻市有关单位：", FS, 16),
        Line("现将《根河市2019年政务公开工作要点》印发给你们，请结合实际，认真贯彻落实。"),
        Line("一、着眼稳定预期，加强政策解读和回应关切", HEI, 16),
        Line("", runs=(("（一）深入解读重要政策措施。", KAI),
                       ("紧紧围绕全市中心工作，做好政策解读，主动公开政策文件及解读材料。", FS_GB))),
        Line("（二）积极回应社会关切。", KAI, 16),
        Line("各地区各部门要密切关注舆情，及时回应社会关切。"),
        Line("1．健全回应机制。建立政务舆情收集、研判、处置和回应机制。"),
        Line("（1）明确责任。主要负责同志要亲自部署。"),
        Line("二、围绕重点领域，深化决策和执行公开", HEI, 16),
        Line("推进重大建设项目、公共资源配置、社会公益事业建设等领域政府信息公开。"),
        Line("附件：根河市2019年政务公开工作主要任务分工表"),
        Line(""),
        Line("根河市人民政府办公室", FS_GB, 16, None, "right"),
        Line("2019年8月5日", FS_GB, 16, None, "right"),
        Line("（此件主动公开）"),
        Line(""),
        Line("抄送：市委各部门，市人大办、市政协办。", FS_GB, 14),
        Line("根河市人民政府办公室                      2019年8月5日印发", FS_GB, 14),
    ]


def interpretation_lines() -> list[Line]:
    return [
        Line("一问一答读懂《根河市2019年政务公开工作要点》", XBS, 22, None, "center"),
        Line("《根河市2019年政务公开工作要点》政策解读", FS_GB, 16, None, "center"),
        Line("解读机关：根河市政务服务局"),
        Line("关联文件：根政办发〔2019〕36号"),
        Line("问1：《要点》的出台背景是什么？"),
        Line("答：为深入贯彻落实国家和自治区政务公开工作部署，制定本要点。"),
        Line("问2：主要任务有哪些？"),
        Line("答：着眼稳定预期，加强政策解读和回应关切等五个方面。"),
    ]


def plan_lines() -> list[Line]:
    return [
        Line("《根河市2019年政务公开工作要点》解读方案", XBS, 22, None, "center"),
        Line("解读机关：根河市政务服务局"),
        Line("解读对象：《根河市2019年政务公开工作要点》（根政办发〔2019〕36号）"),
        Line("一、解读原则", HEI, 16),
        Line("坚持谁起草、谁解读，同步组织、同步审签、同步部署。"),
        Line("二、解读形式", HEI, 16),
        Line("采用文字解读、一图读懂和政策简明问答等形式。"),
    ]


def risk_lines(level: str = "低", plan: bool = True) -> list[Line]:
    lines = [
        Line("《根河市2019年政务公开工作要点》舆情风险评估报告", XBS, 22, None, "center"),
        Line("评估单位：根河市政务服务局"),
        Line("评估对象：《根河市2019年政务公开工作要点》"),
        Line("一、评估结论", HEI, 16),
        Line(f"经研判，该文件出台后引发负面舆情的风险等级为：{level}。"),
        Line("二、主要风险点", HEI, 16),
        Line("个别条款可能引起误读。"),
    ]
    if plan:
        lines += [Line("三、应对处置预案", HEI, 16), Line("（一）监测。网信部门每日监测相关舆情。", KAI, 16)]
    return lines


def build(lines: list[Line], *, page: dict | None = None, table: list[list[str]] | None = None,
          normal: tuple[str, float] | None = None, defaults: tuple[str, float] | None = None) -> bytes:
    """A docx from lines. `normal` puts (face, pt) on the Normal style only, `defaults` on the
    document defaults (w:docDefaults) only; lines with face/pt None carry no direct formatting."""
    document = Document()
    if defaults:
        rpr = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        fonts = rpr.find(qn("w:rFonts"))
        for attr in list(fonts.attrib):
            del fonts.attrib[attr]
        fonts.set(qn("w:eastAsia"), defaults[0])
        rpr.find(qn("w:sz")).set(qn("w:val"), str(int(defaults[1] * 2)))
    if normal:
        style = document.styles["Normal"]
        style.font.size = Pt(normal[1])
        rpr = style.element.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), normal[0])
    for line in lines:
        paragraph = document.add_paragraph()
        if line.align:
            paragraph.alignment = ALIGN[line.align]
        for text, face in line.runs or ((line.text, line.face),):
            if not text:
                continue
            run = paragraph.add_run(text)
            _format(run, face, line.pt, line.color)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    section = document.sections[0]
    spec = {"w": 11906, "h": 16838, "top": 2098, "right": 1474, "bottom": 1984, "left": 1587}
    spec.update(page or {})
    section.page_width, section.page_height = Twips(spec["w"]), Twips(spec["h"])
    section.top_margin, section.bottom_margin = Twips(spec["top"]), Twips(spec["bottom"])
    section.left_margin, section.right_margin = Twips(spec["left"]), Twips(spec["right"])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _format(run, face: str | None, pt: float | None, color: str | None) -> None:
    if face:
        run.font.name = face
        rpr = run._r.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), face)
    if pt:
        run.font.size = Pt(pt)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def with_line(lines: list[Line], index: int, **changes) -> list[Line]:
    lines = list(lines)
    lines[index] = replace(lines[index], **changes)
    return lines


def without(lines: list[Line], *texts: str) -> list[Line]:
    return [line for line in lines if line.text not in texts]


def index_of(lines: list[Line], prefix: str) -> int:
    return next(i for i, line in enumerate(lines)
                if (line.text or (line.runs[0][0] if line.runs else "")).startswith(prefix))
