"""The print edition (印刷版) as a gazette office sets it: lead phrases, the issued document's title,
each interpretation after its policy, and a docx Word opens (re-read with python-docx, every
part well-formed XML, every style it names defined, every run's East Asian face resolved)."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree
from pydantic import ValidationError

from publishing.docx_text import Block, read_text
from publishing.editions import EditionItem, IssueContent, Material
from publishing.editions_print import default_template, print_edition
from publishing.web_release import head_texts
from review.config import DEFAULT_CONFIG_TOML, parse_config
from samples.genhe import INNER_TITLE, ORGAN, interpretation_docx, policy_docx

KAI, FANG, HEI, XBS = "楷体_GB2312", "仿宋_GB2312", "黑体", "方正小标宋简体"
SECTION = "本级政府行政规范性文件"


class _Meta:
    def __init__(self, title: str, number: str) -> None:
        self.banner, self.doc_number_text, self.title = f"{ORGAN}文件", number, title


def _item(n: int, inner: str = INNER_TITLE) -> EditionItem:
    number = f"根政办发〔2019〕{n}号"
    title = f"{ORGAN}关于印发《{inner}》的通知"
    policy = read_text(policy_docx(doc_number=number, title=title, inner_title=inner))
    material = read_text(interpretation_docx(policy_title=inner, doc_number=number))
    return EditionItem(dossier=f"D{n}", section=SECTION, title=title, doc_number=number,
                       interpreting_unit="根河市政务服务局", policy_blocks=policy.blocks,
                       head=head_texts(_Meta(title, number)),
                       materials=(Material(name="政策解读.docx", blocks=material.blocks),))


def _issue(*items: EditionItem) -> IssueContent:
    return IssueContent(city="根河市", editor="根河市人民政府办公室", year=2019, number=8, total=120,
                        release_date=dt.date(2019, 8, 30), items=items)


@pytest.fixture(scope="module")
def two() -> tuple[IssueContent, bytes]:
    issue = _issue(_item(1, "根河市第1号政务公开办法"), _item(2, "根河市第2号政务公开办法"))
    return issue, print_edition(issue)


# ---------------------------------------------------------------- reading faces as Word does

class Faces:
    """The East Asian face Word shows for a run: the run's own w:rFonts, else its character style
    (and what that is based on), else its paragraph's style chain, else the document defaults."""

    def __init__(self, document) -> None:
        root = document.styles.element
        self.styles = {s.get(qn("w:styleId")): s for s in root.iter(qn("w:style"))}
        self.default_para = next((i for i, s in self.styles.items()
                                  if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) == "1"), None)
        fonts = root.find(qn("w:docDefaults")).find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
        self.default = fonts.get(qn("w:eastAsia")) if fonts is not None else None

    @staticmethod
    def _own(el) -> str | None:
        rpr = el.find(qn("w:rPr"))
        fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
        return fonts.get(qn("w:eastAsia")) if fonts is not None else None

    def _chain(self, style_id: str | None) -> str | None:
        while style_id in self.styles:
            style = self.styles[style_id]
            if (face := self._own(style)) is not None:
                return face
            based = style.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None
        return None

    def of(self, paragraph, run) -> str | None:
        if (face := self._own(run._r)) is not None:
            return face
        rpr = run._r.find(qn("w:rPr"))
        rstyle = rpr.find(qn("w:rStyle")) if rpr is not None else None
        if rstyle is not None and (face := self._chain(rstyle.get(qn("w:val")))) is not None:
            return face
        pstyle = paragraph._p.style or self.default_para
        return self._chain(pstyle) or self.default

    def runs(self, paragraph) -> list[tuple[str, str | None]]:
        return [(r.text, self.of(paragraph, r)) for r in paragraph.runs if r.text]


def _opened(data: bytes):
    return docx.Document(io.BytesIO(data))


# ---------------------------------------------------------------- 1. lead phrases


def test_a_numbered_paragraph_has_only_its_lead_phrase_in_kaiti_and_the_rest_in_fangsong(two):
    _, data = two
    document = _opened(data)
    faces = Faces(document)
    led = [p for p in document.paragraphs if re.match(r"^（[一二三四五六七八九十]+）", p.text)]
    assert len(led) >= 2 * 7                    # the work plan's （一）… paragraphs, in both items
    for p in led:
        runs = faces.runs(p)
        lead = p.text[:p.text.index("。") + 1]
        assert runs[0] == (lead, KAI), p.text[:30]
        assert len(runs) == 2 and runs[1][1] == FANG and runs[1][0] == p.text[len(lead):]
        assert len(runs[1][0]) > len(lead)     # most of the paragraph is body text
        assert p.style.name == "公报-正文"
    # 一、 headings alone on their line stay 黑体 throughout.
    for p in (p for p in document.paragraphs if re.match(r"^[一二三四五六七八九十]+、", p.text)):
        assert p.style.name == "公报-一级标题" and {f for _, f in faces.runs(p)} == {HEI}


def test_a_heading_alone_keeps_its_face_and_fourth_level_and_one_heading_paragraphs_are_set_right():
    blocks = (Block(text="各单位："), Block(text="一、总体要求"), Block(text="（一）工作目标"),
              Block(text="1.健全制度。各部门建立台账。"), Block(text="（1）按月报送。"),
              Block(text="二、保障措施。各部门要加强领导，抓好落实。"),
              Block(text="（二）加强督查！市政府办公室定期督查。"))
    item = EditionItem(dossier="D1", section=SECTION, title="根河市某办法", interpreting_unit="某局",
                       policy_blocks=blocks)
    document = _opened(print_edition(_issue(item)))
    faces = Faces(document)
    by_text = {p.text: p for p in document.paragraphs}
    assert faces.runs(by_text["一、总体要求"]) == [("一、总体要求", HEI)]
    assert faces.runs(by_text["（一）工作目标"]) == [("（一）工作目标", KAI)]
    assert by_text["（一）工作目标"].style.name == "公报-二级标题"
    assert faces.runs(by_text["1.健全制度。各部门建立台账。"]) == [("1.健全制度。各部门建立台账。", FANG)]
    assert faces.runs(by_text["（1）按月报送。"]) == [("（1）按月报送。", FANG)]
    assert faces.runs(by_text["二、保障措施。各部门要加强领导，抓好落实。"]) == [
        ("二、保障措施。", HEI), ("各部门要加强领导，抓好落实。", FANG)]
    assert faces.runs(by_text["（二）加强督查！市政府办公室定期督查。"]) == [
        ("（二）加强督查！", KAI), ("市政府办公室定期督查。", FANG)]


def test_a_template_without_the_lead_styles_still_sets_the_lead_phrase_in_kaiti():
    """An office's template from before the character styles: the run carries the face itself."""
    template = _opened(default_template())
    for name in ("公报-一级标题段首", "公报-二级标题段首", "公报-附件标题"):
        el = template.styles[name].element
        el.getparent().remove(el)
    out = io.BytesIO()
    template.save(out)
    blocks = (Block(text=INNER_TITLE), Block(text="（一）深入解读。紧紧围绕目标。"))
    item = EditionItem(dossier="D1", section=SECTION, title=f"关于印发《{INNER_TITLE}》的通知",
                       interpreting_unit="某局", policy_blocks=blocks)
    document = _opened(print_edition(_issue(item), out.getvalue()))
    faces = Faces(document)
    p = next(p for p in document.paragraphs if p.text.startswith("（一）深入解读"))
    assert faces.runs(p) == [("（一）深入解读。", KAI), ("紧紧围绕目标。", FANG)]
    assert next(p for p in document.paragraphs if p.text == INNER_TITLE).style.name == "公报-标题"


# ---------------------------------------------------------------- 2. the issued document's title


def test_the_issued_documents_own_title_is_set_in_its_title_style_centred_in_xiaobiaosong(two):
    issue, data = two
    document = _opened(data)
    faces = Faces(document)
    for item in issue.items:
        inner = item.title.split("《")[1].split("》")[0]
        found = [p for p in document.paragraphs if p.text == inner]
        assert len(found) == 1
        p = found[0]
        assert p.style.name == "公报-附件标题"
        assert p.style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
        assert faces.runs(p) == [(inner, XBS)]
    # Mentions of it inside sentences stay body text.
    assert all(p.style.name == "公报-正文" for p in document.paragraphs if p.text.startswith("经市政府同意"))


def test_an_attachment_label_line_is_set_in_heiti_and_the_title_after_it_as_a_title():
    blocks = (Block(text="各单位："), Block(text="现将有关事项通知如下。"), Block(text="附件：分工表"),
              Block(text="附件1"), Block(text="根河市政务公开任务分工表"), Block(text="一、总体要求"))
    item = EditionItem(dossier="D1", section=SECTION, title="根河市关于某事的通知",
                       interpreting_unit="某局", policy_blocks=blocks)
    document = _opened(print_edition(_issue(item)))
    faces = Faces(document)
    by_text = {p.text: p for p in document.paragraphs}
    assert by_text["附件：分工表"].style.name == "公报-正文"        # the 附件说明 is a sentence of the body
    assert by_text["附件1"].style.name == "公报-附件标识" and faces.runs(by_text["附件1"]) == [("附件1", HEI)]
    assert by_text["根河市政务公开任务分工表"].style.name == "公报-附件标题"


# ---------------------------------------------------------------- 3. order


def _titles(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "公报-标题"]


def _toc(document) -> list[str]:
    return [p.text.split("\t")[0] for p in document.paragraphs if p.style.name == "公报-目录条目"]


def test_each_interpretation_directly_follows_its_policy_in_the_body_and_the_toc(two):
    issue, data = two
    document = _opened(data)
    pairs = [t for item in issue.items for t in (item.title, item.interpretation_title)]
    assert _titles(document) == pairs
    assert _toc(document) == [t + (f"（{item.doc_number}）" if t == item.title else "")
                              for item in issue.items for t in (item.title, item.interpretation_title)]
    texts = [p.text for p in document.paragraphs]
    assert "政策解读" not in texts                    # no section gathering them at the end
    # The interpretation's own text sits between its title and the next policy's title.
    first_interp, second_policy = texts.index(pairs[1]), texts.index(pairs[2])
    assert texts.index("解读机关：根河市政务服务局", first_interp) < second_policy
    assert any(t.startswith("问1：") for t in texts[first_interp:second_policy])
    # Each title starts a page; the 目录's PAGEREF fields all point at bookmarks that exist.
    body = document.element.body
    marks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    refs = [re.search(r"PAGEREF (\S+)", t.text).group(1) for t in body.iter(qn("w:instrText"))]
    assert refs == ["item1", "interp1", "item2", "interp2"] and set(refs) <= marks
    starts = [p for p in document.paragraphs if p.style.name == "公报-标题"]
    assert all(p.paragraph_format.page_break_before for p in starts[1:])


def test_at_end_gathers_the_interpretations_in_their_own_section_after_the_last_policy(two):
    issue, _ = two
    document = _opened(print_edition(issue, interpretations="at_end"))
    titles = [i.title for i in issue.items] + [i.interpretation_title for i in issue.items]
    assert _titles(document) == titles
    texts = [(p.style.name, p.text) for p in document.paragraphs]
    heading = texts.index(("公报-栏目", "政策解读"))
    assert texts.index(("公报-标题", titles[1])) < heading < texts.index(("公报-标题", titles[2]))
    with pytest.raises(ValueError):
        print_edition(issue, interpretations="somewhere")


def test_the_config_chooses_where_interpretations_go_after_policy_by_default():
    assert parse_config(DEFAULT_CONFIG_TOML).gazette.interpretations == "after_policy"
    chosen = parse_config(DEFAULT_CONFIG_TOML + '\n[gazette]\ninterpretations = "at_end"\n')
    assert chosen.gazette.interpretations == "at_end"
    with pytest.raises(ValidationError):
        parse_config(DEFAULT_CONFIG_TOML + '\n[gazette]\ninterpretations = "beside"\n')


# ---------------------------------------------------------------- 4. a docx Word opens


def test_the_print_edition_is_well_formed_and_names_only_styles_it_defines(two):
    _, data = two
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        parts = {n: z.read(n) for n in z.namelist() if n.endswith(".xml") or n.endswith(".rels")}
    for name, xml in parts.items():
        etree.fromstring(xml)                       # raises on XML that is not well-formed
    root = etree.fromstring(parts["word/document.xml"])
    styles = etree.fromstring(parts["word/styles.xml"])
    kinds = {s.get(qn("w:styleId")): s.get(qn("w:type")) for s in styles.iter(qn("w:style"))}
    assert {kinds.get(e.get(qn("w:val"))) for e in root.iter(qn("w:pStyle"))} == {"paragraph"}
    assert {kinds.get(e.get(qn("w:val"))) for e in root.iter(qn("w:rStyle"))} == {"character"}
    assert {e.get(qn("w:val")) for e in styles.iter(qn("w:basedOn"))} <= set(kinds)
    for run in root.iter(qn("w:r")):                # a run's properties come first (CT_R)
        rpr = run.find(qn("w:rPr"))
        assert rpr is None or run.index(rpr) == 0
    document = _opened(data)
    faces = Faces(document)
    assert all(f is not None for p in document.paragraphs for _, f in faces.runs(p))
    assert print_edition(two[0]) == data            # deterministic for the same issue


def test_a_release_through_the_services_follows_the_homes_config(svc, tmp_path):
    """The service passes lockstep.toml's [gazette] interpretations to the print edition."""
    from services.gazette import issues as gazette
    from services.home.context import open_services
    from tests.storage.test_gazette_storage import signed_dossier
    path = svc.home.config_path
    path.write_text(path.read_text(encoding="utf-8") + '\n[gazette]\ninterpretations = "at_end"\n',
                    encoding="utf-8")
    svc = open_services(svc.home)
    assert svc.config.gazette.interpretations == "at_end"
    first, second = signed_dossier(svc, tmp_path), signed_dossier(svc, tmp_path)
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [first, second], "editor")
    done = gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    document = docx.Document(done.print_path)
    titles = [i.title for i in done.items]
    assert _titles(document)[:2] == titles and "政策解读" in [p.text for p in document.paragraphs]


def test_the_package_is_written_once_with_the_bytes_normalize_zip_gives(two):
    """print_edition writes the package straight with fixed entry times (compressed once): the same
    bytes as python-docx's save followed by templates.opinion.normalize_zip."""
    from docxtpl import DocxTemplate

    from publishing.editions_print import _package
    from templates.opinion import normalize_zip
    tpl = DocxTemplate(io.BytesIO(two[1]))
    tpl.render({})
    once = _package(tpl)
    out = io.BytesIO()
    tpl.save(out)
    assert once == normalize_zip(out.getvalue())
    assert print_edition(two[0]) == two[1]          # and a second rendering gives the same bytes


@pytest.mark.parametrize("text", ["第一条 为了规范 & <管理>，“依法”'行政'", "  两端有空格  ", "甲\t乙\n丙\r丁", "a\t  \tb",
                                  "一、总则。本办法适用于全市。"])
def test_copied_paragraphs_queued_as_xml_are_the_elements_para_makes(text):
    """_Writer.text / led_text (a copied document's paragraphs, parsed at once) give the same XML as
    para / led, element by element, for text with markup characters, tabs, breaks and spaces."""
    from lxml import etree as ET

    from publishing.editions_print import BODY_MARK, TOC_MARK, _Writer

    def body(write) -> bytes:
        from docxtpl import DocxTemplate
        tpl = DocxTemplate(io.BytesIO(default_template()))
        tpl.render({"toc": TOC_MARK, "contents": BODY_MARK, "city": "根河市", "year": 2019, "number": 1,
                    "total": 1, "date_text": "", "date": "", "editor": ""})
        w = _Writer(tpl.docx)
        w.at(BODY_MARK)
        write(w)
        w.done()
        return ET.tostring(tpl.docx.element.body)

    def by_elements(w):
        for style in ("body", "attachment", "attached_title", "right"):
            w.para(style, text)
        w.led("lead1", "一、总则。", text)
        w.led("lead2", "（一）", text)

    def queued(w):
        for style in ("body", "attachment", "attached_title", "right"):
            w.text(style, text)
        w.led_text("lead1", "一、总则。", text)
        w.led_text("lead2", "（一）", text)
        w.flush()
    assert body(queued) == body(by_elements)
