"""The Genhe 2019 sample dossier, generated with python-docx.

It reproduces ../shared/samples/genhe-2019-*.zip paragraph for paragraph: the same text, faces,
sizes, colours, alignment and GB/T 9704 page setup. Output is byte-for-byte deterministic for the
same arguments, because tests submit "the same bytes twice" and expect one version.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import random
import struct
import zipfile
import zlib
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips

XIAOBIAOSONG, FANGSONG, HEITI, KAITI = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
UNIT = "根河市政务服务局"
DOC_NUMBER = "根政办发〔2019〕36号"
INNER_TITLE = "根河市2019年政务公开工作要点"
ORGAN = "根河市人民政府办公室"
ADDRESSEE = "各乡镇人民政府、街道办事处、市直各部门、驻市有关单位："
# One fixed moment for every timestamp we write (docx core properties, zip entries), so that
# regenerating a bundle gives the same SHA-256.
STAMP = dt.datetime(2019, 8, 5, 9, 30, tzinfo=dt.timezone.utc)
ZIP_TIME = (2019, 8, 5, 9, 30, 0)

PLAN_NAME, MATERIAL_NAME, GRAPHIC_NAME, RISK_NAME = (
    "解读方案.docx", "政策解读.docx", "一图读懂.png", "舆情风险评估报告.docx")
VARIANTS = ("complete", "no-manifest", "missing-risk")


# ---------------------------------------------------------------- the four documents

def policy_docx(*, doc_number: str = DOC_NUMBER,
                title: str = f"{ORGAN}关于印发《{INNER_TITLE}》的通知",
                inner_title: str = INNER_TITLE, organ: str = ORGAN,
                date_text: str = "2019年8月5日", disclosure: str = "（此件主动公开）",
                body_variant: int = 0) -> bytes:
    """A 通知 issuing a work plan. body_variant 0 is the real text; others reshuffle it (10–40 paragraphs)."""
    w = _Writer()
    w.para(f"{organ}文件", XIAOBIAOSONG, 26, align="center", color=RGBColor(0xFF, 0, 0))
    w.para(doc_number, FANGSONG, 16, align="center")
    w.para("", FANGSONG, 6, align="center")  # the gap above the red rule
    w.title(title)
    w.para(ADDRESSEE, FANGSONG, 16, align=None)
    w.body(f"经市政府同意，现将《{inner_title}》印发给你们，请结合实际，认真贯彻执行。")
    w.body(inner_title)
    w.body("".join(INTRO))
    for heading, items in _sections(body_variant):
        w.para(heading, HEITI, 16)
        for item in items:
            w.para(item, KAITI, 16)
    w.body("".join(CLOSING))
    w.body(f"附件：{inner_title.removesuffix('要点')}主要任务分工表")
    w.para(organ, FANGSONG, 16, align="right")
    w.para(date_text, FANGSONG, 16, align="right")
    w.body(disclosure)
    w.para(f"{organ}{' ' * 22}{date_text}印发", FANGSONG, 14, align=None)  # 版记, 4号
    return w.save()


def interpretation_docx(*, unit: str = UNIT, policy_title: str = INNER_TITLE,
                        doc_number: str = DOC_NUMBER) -> bytes:
    """政策解读: a question-and-answer reading of the first six tasks."""
    w = _Writer()
    w.title(f"一问一答读懂《{policy_title}》")
    w.body(f"《{policy_title}》政策解读")
    w.body(f"解读机关：{unit}")
    w.body(f"关联文件：{doc_number}")
    items = ["".join(item) for _, section in SECTIONS[:2] for item in section]
    for n, item in enumerate(items, 1):
        w.body(f"问{n}：{item[:24]}……包括哪些内容？")
        w.body(f"答：{item}")
    return w.save()


def plan_docx(*, unit: str = UNIT, policy_title: str = INNER_TITLE,
              doc_number: str = DOC_NUMBER) -> bytes:
    """解读方案, written by the drafting unit (谁起草、谁解读)."""
    w = _Writer()
    w.title(f"《{policy_title}》解读方案")
    w.body(f"解读机关：{unit}")
    w.body(f"解读对象：《{policy_title}》（{doc_number}）")
    w.para("一、解读原则", HEITI, 16)
    w.body("按照“谁起草、谁解读”的原则，由起草单位负责解读，与政策性文件同步组织、同步审签、同步部署。")
    w.para("二、解读形式", HEITI, 16)
    w.para("（一）文字解读。以政策简明问答形式逐条说明。", KAITI, 16)
    w.para("（二）图文解读。制作“一图读懂”图解一幅。", KAITI, 16)
    w.para("三、发布渠道", HEITI, 16)
    w.body("政府网站政策解读专栏、政务新媒体同步发布。")
    w.para("四、责任人", HEITI, 16)
    w.body(f"{unit}主要负责同志为第一发言人。")
    return w.save()


def risk_docx(*, unit: str = UNIT, policy_title: str = INNER_TITLE, level: str = "低",
              with_response_plan: bool = True) -> bytes:
    """舆情风险评估报告 with its verdict, the response plan (optional) and a table of risk points."""
    w = _Writer()
    w.title(f"《{policy_title}》舆情风险评估报告")
    w.body(f"评估单位：{unit}")
    w.body(f"评估对象：《{policy_title}》")
    w.para("一、评估结论", HEITI, 16)
    w.body(f"经研判，该文件出台后引发负面舆情的风险等级为：{level}。")
    w.para("二、可能引发关注的热点", HEITI, 16)
    w.body("政务公开考核分值权重、政府网站集约化、政务热线整合。")
    if with_response_plan:
        w.para("三、应对处置预案", HEITI, 16)
        w.para("（一）监测。网信部门每日监测相关舆情。", KAITI, 16)
        w.para("（二）回应。出现集中关注时，由第一发言人在24小时内回应。", KAITI, 16)
        w.para("（三）报告。重大舆情及时报告市政府办公室。", KAITI, 16)
    w.table([("风险点", "等级", "措施"), ("考核权重调整", level, "同步解读说明"),
             ("热线整合", level, "公布过渡安排")])
    return w.save()


def graphic_png() -> bytes:
    """The 一图读懂 stand-in: a 64×48 solid red PNG (156 bytes, as in the real sample)."""
    width, height, pixel = 64, 48, bytes((200, 30, 30))
    raw = (b"\x00" + pixel * width) * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b""))


# ---------------------------------------------------------------- bundles

def bundle_files(variant: str = "complete", **kw) -> dict[str, bytes]:
    """The members of a sample bundle, in the real sample's order (bundle.json last).

    kw: doc_number, title, inner_title, organ, date_text, disclosure, body_variant (policy);
    unit (drafting and interpreting unit), risk_level, response_plan (bool), kind (the manifest's).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown sample variant {variant!r}; choose one of {VARIANTS}")
    unit = kw.pop("unit", UNIT)
    level = kw.pop("risk_level", "低")
    response_plan = kw.pop("response_plan", True)
    kind = kw.pop("kind", "行政规范性文件")
    doc_number = kw.get("doc_number", DOC_NUMBER)
    about = {"policy_title": kw.get("inner_title", INNER_TITLE)}
    if "title" not in kw:  # keep the 通知's title in step with what it issues
        kw["title"] = f"{kw.get('organ', ORGAN)}关于印发《{about['policy_title']}》的通知"
    files = {
        f"{doc_number}.docx": policy_docx(**kw),
        PLAN_NAME: plan_docx(unit=unit, doc_number=doc_number, **about),
        MATERIAL_NAME: interpretation_docx(unit=unit, doc_number=doc_number, **about),
        GRAPHIC_NAME: graphic_png(),
        RISK_NAME: risk_docx(unit=unit, level=level, with_response_plan=response_plan, **about),
    }
    if variant == "missing-risk":
        del files[RISK_NAME]
    if variant == "complete":
        roles = ["policy", "interpretation_plan", "interpretation_material",
                 "graphic_interpretation", "risk_assessment"]
        manifest = {"drafting_unit": unit, "kind": kind, "public_interest": True,
                    "files": dict(zip(files, roles))}
        files["bundle.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    return files


def write_zip(path: Path, variant: str = "complete", *, gbk_names: bool = False, **kw) -> Path:
    """Write a sample bundle zip. gbk_names: names in GBK without the UTF-8 flag, as Chinese Windows tools do."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = _GbkZipInfo if gbk_names else zipfile.ZipInfo
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in bundle_files(variant, **kw).items():
            zf.writestr(_stamped(info(name)), data)
    return path


def write_bundles(out_dir: Path, n: int, seed: int = 0, units: tuple[str, ...] = (UNIT,)) -> list[Path]:
    """n distinct, realistic bundles for benchmarks: own document numbers, titles and body lengths.

    units: the drafting units to draw from. A drafter submits only for their own unit, and the
    default config's drafter belongs to 政务服务局; pass UNITS with drafters for each of them."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    paths = []
    for i in range(n):
        code, organ = (("根政办发", ORGAN), ("根政发", "根河市人民政府"))[i % 2]
        year, serial = 2019 + (i // 2) // 400, (i // 2) % 400 + 1
        inner = rng.choice(TOPICS).format(year=year)
        kw = dict(doc_number=f"{code}〔{year}〕{serial}号", organ=organ, inner_title=inner,
                  date_text=f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
                  body_variant=rng.randint(1, 10**6), unit=rng.choice(units))
        variant = "no-manifest" if i % 5 == 4 else "complete"
        path = out_dir / f"bundle-{i + 1:05d}-{code}-{year}-{serial}.zip"
        paths.append(write_zip(path, variant, gbk_names=i % 7 == 6, **kw))
    return paths


# ---------------------------------------------------------------- writing docx the way offices do

class _Writer:
    """One document on GB/T 9704 paper; every run carries its East Asian face explicitly."""

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Twips(11906), Twips(16838)  # A4
        section.top_margin, section.right_margin = Twips(2098), Twips(1474)   # 37 mm, 26 mm
        section.bottom_margin, section.left_margin = Twips(1984), Twips(1587)  # 35 mm, 28 mm

    def para(self, text: str, face: str = FANGSONG, size: float = 16, *,
             align: str | None = "indent", color: RGBColor | None = None) -> None:
        p = self.doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing = Pt(28.95)  # fixed 28.95 pt lines: 22 lines on the page
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        if align == "indent":
            fmt.first_line_indent = Pt(32)  # two characters of 3号
        elif align == "center":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "right":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = p.add_run(text) if text else p.add_run()
        run.font.name = face
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)
        run.font.bold = False
        if color is not None:
            run.font.color.rgb = color
        run.font.size = Pt(size)

    def title(self, text: str) -> None:
        self.para(text, XIAOBIAOSONG, 22, align="center")

    def body(self, text: str) -> None:
        self.para(text, FANGSONG, 16)

    def table(self, rows: list[tuple[str, ...]]) -> None:
        table = self.doc.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        for cells, values in zip(table.rows, rows):
            for cell, value in zip(cells.cells, values):
                cell.text = value

    def save(self) -> bytes:
        props = self.doc.core_properties
        props.created = props.modified = props.last_printed = STAMP.replace(tzinfo=None)
        props.revision = 1
        buf = io.BytesIO()
        self.doc.save(buf)
        return _restamp(buf.getvalue())


def _restamp(docx: bytes) -> bytes:
    """Re-pack a saved docx with fixed entry times (python-docx stamps each entry with the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            dst.writestr(_stamped(zipfile.ZipInfo(entry.filename)), src.read(entry))
    return out.getvalue()


def _stamped(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    info.date_time = ZIP_TIME
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, as in the real sample
    info.external_attr = 0o600 << 16
    return info


class _GbkZipInfo(zipfile.ZipInfo):
    """A zip entry whose name is GBK bytes with no UTF-8 flag (WinRAR, 360压缩, Windows 'send to')."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _sections(variant: int) -> list[tuple[str, list[str]]]:
    """The body's 一、/（一） structure: the real one, or a seeded reshuffle of its parts."""
    real = [(heading, ["".join(item) for item in items]) for heading, items in SECTIONS]
    if variant == 0:
        return real
    rng = random.Random(variant)
    target = rng.randint(10, 40)
    pool = [item.split("）", 1)[1] for _, items in real for item in items]
    out: list[tuple[str, list[str]]] = []
    count = 0
    while count < target:
        heading = real[len(out) % len(real)][0].split("、", 1)[1]
        k = min(rng.randint(1, 4), max(1, target - count - 1))
        items = [f"（{_cn(j + 1)}）{rng.choice(pool)}" for j in range(k)]
        out.append((f"{_cn(len(out) + 1)}、{heading}", items))
        count += 1 + k
    return out


def _cn(n: int) -> str:
    """Chinese numerals for outline labels, 1–99."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return f"{'' if tens == 1 else digits[tens]}十{digits[ones] if ones else ''}"


UNITS = ("根河市政务服务局", "根河市司法局", "根河市财政局", "根河市教育体育局",
         "根河市民政局", "根河市市场监督管理局")
TOPICS = ("根河市{year}年政务公开工作要点", "根河市城乡最低生活保障资金管理办法",
          "根河市政府网站集约化建设实施方案", "根河市行政执法公示制度实施细则",
          "根河市重大行政决策程序规定", "根河市政务新媒体管理办法",
          "根河市{year}年优化营商环境工作要点", "根河市政府信息公开工作考核办法",
          "根河市公共文化体育设施管理规定", "根河市义务教育招生入学工作方案")

# ---------------------------------------------------------------- the 2019 work plan's text
INTRO = (
    '2019年是新中国成立70周年，是我市决胜高水平全面建成小康社会的关键之年。全市'
    '政务公开的总体要求是：以习近平新时代中国特色社会主义思想为指导，紧紧围绕高质量发'
    '展和群众关注关切，不断提升政务公开工作质量，增强解读回应效果，更好发挥政务公开促'
    '落实、优服务、稳预期、顺民心、强监督作用，为促进经济持续健康发展和社会大局稳定发'
    '挥积极作用。'
)
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ('一、着眼稳定预期，加强政策解读和回应关切', (
        (
            '（一）深入解读重要政策措施。紧紧围绕我市2019年经济社会发展总体要求和主要预期'
            '目标，牢牢把握推动高质量发展的根本要求，以持续打好三大攻坚战、优化营商环境、增加'
            '有效供给扩大消费需求、深入实施“项目建设年”、深化重点领域改革、发展壮大民营经济'
            '、深入推进生态文明建设、提高保障和改善民生水平等为重点，全面公开、精准解读相关政'
            '策措施，确保政策内涵透明、信号清晰，稳定社会预期，提振市场信心（市政府各部门分别'
            '负责）。严格落实自治区有关政策解读工作和《呼伦贝尔市行政机关政策性文件解读工作实'
            '施办法》（呼政办发〔2018〕55号）和《根河市行政机关政策性文件解读工作实施办'
            '法》（根政办发〔2018〕43号）要求，按照“谁起草、谁解读”的原则，切实做到政'
            '策性文件与解读方案、解读材料同步组织、同步审签、同步部署，突出抓好图文解读（市政'
            '府办牵头）。加强新闻发布管理，严格按照《根河市政府新闻发布工作实施方案》（根政办'
            '发〔2018〕25号）要求，对人民群众和媒体关注度高的内容要跟进解读，通过新闻发'
            '布会、政策例行吹风会发出权威声音（市委宣传部，市政府办牵头）。在重要政策出台、重'
            '点工作推进、重大事件发生时，相关部门主要负责同志要履行好信息发布、权威定调、自觉'
            '把关等“第一发言人”职责，带头解读政策，主动引导预期（市政府各部门分别落实）。'
        ),
        (
            '（二）积极回应社会关切。对政府出台的重要改革措施、涉及公众切身利益、容易引发媒体'
            '和公众关注的政策文件，牵头起草部门要认真做好舆情风险评估研判，制定应对处置预案（'
            '市政府各部门分别负责）。进一步强化舆情回应意识，坚持将政务舆情回应作为网络舆情处'
            '置工作的重要环节，落实政务舆情回应的主体责任。对减税降费、金融安全、生态环境、教'
            '育改革、医药卫生、养老服务、市场监管、社会保障、社会治安、房地产市场、安全生产等'
            '经济社会热点，以及人民群众办事服务的堵点痛点，要加强舆情监测、研判、回应，及时解'
            '疑释惑，理顺情绪，化解矛盾。加强重大突发事件舆情风险源头研判，增强回应的针对性，'
            '保持正确的舆论导向，及时发布权威信息（市委宣传部、网信办，市教体局、公安局、民政'
            '局、财政局、人社局、生态环境局、住建局、卫健委、应急局、市场监管局、扶贫办、金融'
            '办、医保局、税务局等按职责分工负责）。主动与宣传、网信等相关部门联系沟通，健全完'
            '善重大政务舆情信息共享、协同联动、快速反应机制（市政务服务局牵头）。'
        ),
        (
            '（三）增强解读回应效果。进一步丰富解读形式，提高图片图解、音频视频、动漫等解读形'
            '式所占比重，探索运用政策简明问答、网络问政、政策进社区等方式，多用客观数据、生动'
            '案例，进行立体式、多方位、全链条解读，真正让群众看得到、能理解。对专业性较强的政'
            '策，要注重发挥专家学者作用，提升解读的准确性、权威性、贴近性。对群众关切和社会热'
            '点，要主动快速引导、释放权威信号、正面回应疑虑，推动解决实际问题，赢得群众理解和'
            '支持。善于利用多种媒体进行精准解读。要充分发挥政府网站、政务微博微信、政务移动客'
            '户端等作用，精准推送政策信息，切实增强政策解读的针对性和有效性（市政府各部门按职'
            '责分别落实）。'
        ),
    )),
    ('二、强化权力监督，深入推进决策和执行公开', (
        (
            '（一）推进重要决策公开。把公开透明作为政府工作的基本要求，政府全体会议和常务会议'
            '讨论决定的事项、政府及其部门制定的政策，除依法需要保密的应及时公开，以公开促进依'
            '法行政和政策落地见效。做好政府会议公开工作，邀请相关方、公众、专家、媒体等代表列'
            '席政府常务会议。推行部门会议公开（市政府办、各部门分别落实）。进一步推进重大行政'
            '决策预公开，涉及公共利益和公众权益的重大事项，除依法应当保密的外，要主动向社会公'
            '布决策草案、决策依据等，通过听证座谈、网络征集、咨询协商、媒体沟通等多种形式，广'
            '泛听取公众意见，并将意见收集、采纳情况向社会公布（市政府办、司法局牵头）。提高经'
            '济政策预调微调透明度，出台和调整相关政策要加强与市场的沟通，建立健全企业家参与涉'
            '企政策制定机制，主动向有代表性的企业和行业协会商会以及律师协会问计求策，使各项政'
            '策符合市情，更接地气、更合民意（市政府办牵头）。'
        ),
        (
            '（二）推进重要部署执行公开。加大稳增长、促改革、调结构、惠民生、防风险、保稳定系'
            '列政策措施的执行和落实情况公开力度。围绕2019年政府工作报告、年度重点工作、民'
            '生实事项目等重大决策部署，各部门要将主要措施、实施步骤、职责分工、监督渠道及工作'
            '进度、存在问题等信息向社会公开（市政府各部门按职责分别落实）。进一步加强督查和审'
            '计发现问题及整改落实情况、问责情况的公开，切实增强抓落实的执行力（市政府办、审计'
            '局负责落实）。在重大行政决策执行过程中，要跟踪决策的实施情况，了解利益相关方和社'
            '会公众对决策实施的意见和建议，积极开展决策执行效果的评估，及时调整完善，并将相关'
            '情况向社会公开。加大建议提案办理结果公开力度，对社会广泛关注、关系国计民生的建议'
            '和提案，原则上要公开答复全文（市政府办，各乡镇办事处、政府各部门分别落实）。'
        ),
        (
            '（三）推动行政执法信息公开。根据机构改革后的新职能，及时调整完善行政执法机关权责'
            '清单，按照“谁执法、谁公示”原则，严格落实行政执法公示制度，规范行政执法行为（市'
            '政务服务局牵头）。利用统一的执法信息公示平台，集中向社会依法公开行政执法职责、执'
            '法依据、执法标准、执法程序、监督途径等基本信息和执法结果信息。探索建立群众意见反'
            '馈互动机制和公示平台管理维护机制，强化行政执法社会监督（市司法局牵头）。'
        ),
    )),
    ('三、聚焦政策落实，深化重点领域信息公开', (
        (
            '（一）加强三大攻坚战信息公开。围绕打好防范化解重大风险攻坚战，着力缓解企业融资难'
            '融资贵问题、加快推进金融改革开放等方面，及时依法公开相关信息。围绕打好精准脱贫攻'
            '坚战，重点做好产业、就业、教育、住房、健康、社会保障等相关信息的公开、扶贫项目、'
            '财政专项扶贫资金、精准扶贫贷款、行业扶贫相关财政资金、京蒙扶贫协作等信息公开工作'
            '。围绕打好污染防治攻坚战，在加强污染防治，着力打好蓝天、碧水、净土保卫战等方面，'
            '重点做好水生态综合治理，土壤污染治理与修复项目等信息公开工作（市发改委、教体局、'
            '民政局、财政局、生态环境局、农牧水利科技局、工信局、卫健委、扶贫办、金融办等分别'
            '牵头落实）。'
        ),
        (
            '（二）深化“放管服”改革信息公开。围绕“放管服”改革新任务新举措，着力做好减税降'
            '费、“证照分离”改革、工程建设项目审批制度改革、投资审批改革、压缩企业开办时间、'
            '优化企业注销办理流程、市场准入负面清单目录、涉企乱收费项目等信息公开等工作。继续'
            '推行权责清单主动公开和动态调整机制。持续加强“双随机、一公开”，做好随机抽查事项'
            '、执人法员名录和抽查结果公开。推动市场主体和个人全生命周期的办事服务事项集成式、'
            '一站式公开。对保留的证明实行清单管理并公开。进一步完善公开行政审批中介服务事项清'
            '单（市发改委、司法局、财政局、住建局、工信局、市场监管局、政务服务局、税务局等分'
            '别牵头落实）。'
        ),
        (
            '（三）强化重点民生领域信息公开。突出做好就业、教育、医疗、征地、公共文化体育等社'
            '会高度关注、涉及群众切身利益领域的信息公开工作。及时公开促进就业创业的政策和措施'
            '，就业供求信息，做好高校毕业生、退役军人、就业困难人员等重点群体就业专项活动公开'
            '工作。推进义务教育招生入学政策公开，要通过多种形式及时公开义务教育招生方案，招生'
            '范围、招生程序、报名条件、学校情况、录取结果、咨询方式等信息。加大医疗服务、药品'
            '召回、医保监管、疫苗监管、公立医疗卫生机构绩效考核结果等信息公开力度。统筹社会救'
            '助资源，不断完善城乡低保、临时救助、抚恤优扶等制度的公开工作。立足公共文化体育服'
            '务的公益性、均等性、便利性，加大公共文化体育信息公开力度。推进征地信息公开，加快'
            '历史征地信息补录公开（市教体局、民政局、人社局、自然资源局、文化旅游广电局、卫健'
            '委、退役军人局、医保局、市场监管局等按职责分工负责）。'
        ),
        (
            '（四）细化财政信息公开。在做好财政预决算、三公经费公开的基础上，进一步推动项目预'
            '算细化公开。增加公开项目文本、绩效目标、绩效自评结果、绩效评价报告的重点项目数量'
            '。推动各政府部门加快项目文本和绩效目标公开进度，确保均有项目向社会公开。定期公开'
            '地方政府债务限额、余额、品种、期限、利率、偿还计划、偿债资金来源等信息（市财政局'
            '牵头）。'
        ),
    )),
    ('四、优化服务功能，加强公开平台建设', (
        (
            '（一）推进政府网站优质规范发展。严格落实网络意识形态责任制，加强政府网站内容建设'
            '和信息发布审核，把好政治关、政策关，制定出台各类管理制度。加快推进政府网站集约化'
            '，持续提升政府网上履职能力和服务水平，参照《政府网站集约化试点工作方案》（国办函'
            '〔2018〕71号）做好政府网站集约化工作。继续加强网站内容日常监测和常态化监管'
            '，平稳做好机构改革后政府网站新建、整合、改版、迁移等工作。抓紧完成政府网站域名集'
            '中清理，稳步推进政府网站IPV6改造工作（市政务服务局牵头）。'
        ),
        (
            '（二）推进政务新媒体健康有序发展。理顺政务新媒体管理机制，建立健全相关工作制度，'
            '按照“谁主办、谁负责”的原则，做好开设整合、内容保障、安全防护、监督管理等工作，'
            '制定政务新媒体管理制度。推进整体协同、响应迅速的政务新媒体矩阵体系建设，按照《呼'
            '伦贝尔市政务服务局关于推进政务新媒体健康有序发展的实施意见》制定出台《根河市政务'
            '服务局关于推进政务新媒体健康有序发展的实施意见》，大力建设以市政府政务新媒体为龙'
            '头，各乡镇办事处、各部门政务新媒体为主体的整体协同、响应迅速的矩阵体系，建成一批'
            '群众爱看爱用的优质精品账号及应用。统筹推进政务新媒体与政府网站的协同联动、融合发'
            '展，政务新媒体要建立与本地区融媒体中心的沟通协调机制，提升信息发布、解读回应、政'
            '民互动、办事服务的整体水平（市政务服务局牵头）。'
        ),
        (
            '（三）推进政府公报创新发展。办好政府公报电子版，实现电子版与纸质版同步发行，着力'
            '推广电子公报移动端展示。建设政府公报网上数据库，加快推进历史公报入库管理，通过政'
            '府网站的政府公报专栏，完整展示创刊以来的全部政府公报内容。建立健全地方政府部门向'
            '同级政府公报编辑部门报送规范性文件工作机制，逐步实现规范性文件在施行前通过公报刊'
            '登发布。政府公报统一刊登本级政府规章和行政规范性文件以及所属部门行政规范性文件（'
            '市政府办牵头）。'
        ),
        (
            '（四）加快办事大厅线上线下融合发展。结合机构改革职责调整变化，及时梳理编制并公开'
            '进驻办事大厅的政务服务事项、办事指南、办事流程等。进一步整合优化实体政务大厅“一'
            '站式”功能，实现“一个窗口”“一次办理”。更多政务服务事项在网上办理，实现“一网'
            '通办”。加快12345热线建设，进一步清理整合各类政务热线，切实解决热线电话号码'
            '多、无回应等问题。推动政务热线与政府网站互动交流系统互联互通（市政务服务局牵头）'
            '。'
        ),
    )),
    ('五、提升工作质量，完善公开制度规范', (
        (
            '（一）强化组织保障和工作监督。各乡镇办事处、各部门要高度重视政务公开工作，进一步'
            '理顺和完善领导体系、工作机制。政务公开工作领导小组成员要切实履行职责，主要负责同'
            '志要定期听取汇报、研究解决重大问题。进一步加强政务公开机构建设，配齐配强专职工作'
            '人员，加强政务公开工作经费保障。各乡镇办事处、各部门要把政务公开纳入政府绩效考核'
            '体系，分值权重不低于4%，让监督机制发挥刚性约束作用。要分级分类做好政务公开业务'
            '培训工作，推动培训范围向领导干部覆盖。积极引进第三方机构对政务公开质量和效果进行'
            '评估，接受公众监督（市委组织部，市政府办，财政局、司法局、政务服务局按职责分工负'
            '责）。'
        ),
        (
            '（二）抓好政府信息公开条例的贯彻落实。按照《政府信息公开条例》及《呼伦贝尔市政府'
            '信息公开规定》启动《根河市政府信息公开规定》修订工作，确保工作有序衔接、平稳过渡'
            '；各乡镇办事处、各部门也要修订完善相应制度。认真做好政府信息公开基本目录的维护清'
            '理和政府信息公开指南的修订更新。要加强对政府工作人员的培训，使其准确理解掌握相关'
            '规定，切实增强公开意识和能力。加大政府信息公开力度，既要在公开数量上有所提升，更'
            '要在公开质量上有所优化，保障公众依法行使知情权、参与权、表达权、监督权。加强新条'
            '例的宣传解读，组织开展形式多样的普法活动，引导社会公众有序参与，为贯彻落实条例营'
            '造良好氛围（市政务服务局牵头）。'
        ),
        (
            '（三）推广基层政务公开试点成果。各乡镇办事处、各相关部门要按照国务院相关部门制定'
            '的重点领域政务公开标准指引，建立重点信息公开标准化机制。（市政府各相关部门牵头）'
            '鼓励各部门立足基层实际，积极探索创新公开方式方法，多出可复制可推广的案例，全面提'
            '升基层政务公开水平，典型案例及时报市政务服务局（市政府各部门牵头）。'
        ),
        (
            '（四）加强相关基础工作。强化信息化手段运用，做好政府信息管理等基础性工作。机构改'
            '革涉及的政府部门要依法公开本机关的“三定”方案等信息，及时制定更新主动公开基本目'
            '录。（市政府办，政府各部门分别负责）建立行政规章和规范性文件公开台帐，做好与公文'
            '管理系统和合法性审核管理信息平台的衔接。（市政府办、司法局牵头）进一步提升政府信'
            '息公开年度报告质量，规范政府信息公开数据的统计填报（市政务服务局牵头）。'
        ),
    )),
)
CLOSING = (
    '各乡镇办事处、各部门要结合实际，在本方案印发后30日内制订年度政务公开工作重点和'
    '具体工作安排，并报市政务服务局备案。要逐项对照落实各项目标任务，明确时间节点，落'
    '实具体责任。各乡镇办事处、各部门要将本方案贯彻落实情况纳入政府信息公开年度工作报'
    '告，并向社会公开。政务服务局将通过网上核查、实地抽查等方式对工作要点各项任务完成'
    '情况进行检查，并将完成情况纳入政务公开绩效考核体系，考核结果向社会公开。'
)
