"""A labelled set of policy–interpretation pairs for the consistency check (review/consistency.py).

Built from the Genhe 2019 work plan (samples/genhe.py). The plan has few figures, so an
"enriched" policy adds sentences with amounts, percentages, counts, time limits and dates to some
provisions, as real 实施办法 carry them. Interpretations are 问N/答 documents in the sample's form.
Each pair is labelled BY HAND with the findings a careful reviewer expects — (kind, 问N, value as
normalised) — and the first-level provisions left uncovered (notes). The labels are written here,
never computed by the checker.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from documents.diff import Para
from samples import genhe

# Sentences with figures added to provisions of the enriched policy: (section, item) → text.
ADDED = {
    (0, 1): "对网民关切的热点问题，要在24小时内作出初步回应，5个工作日内发布权威信息。",
    (1, 0): "重大行政决策草案公开征求意见的期限一般不少于30日。",
    (1, 1): "各部门应于2019年10月31日前完成执行情况公开，每季度公开不少于1次。",
    (2, 2): "全年组织就业专项活动6场，新增公益性岗位200个，覆盖困难群众1200人。",
    (2, 3): "对符合条件的项目给予一次性补助3万元，单个项目最高不超过50万元，专项资金规模1.5亿元。",
    (3, 3): "热线接通率达到95%以上，群众诉求在15个工作日内办结，满意度提高2个百分点。",
    (4, 0): "每年组织业务培训不少于2次，经费保障不低于8万元。",
}

INTRO_INDEX = 8


@dataclass
class Pair:
    name: str
    policy: list[Para]
    interpretation: list[Para]
    expected: list[tuple[str, str, str]] = field(default_factory=list)   # (kind, anchor, value)
    notes: list[str] = field(default_factory=list)   # first-level anchors left uncovered
    natural: bool = False      # a difference as offices make them, not a one-token injection


def _items(enriched: bool) -> list[tuple[str, list[str]]]:
    out = []
    for s, (heading, items) in enumerate(genhe.SECTIONS):
        texts = []
        for i, parts in enumerate(items):
            text = "".join(parts)
            if enriched and (s, i) in ADDED:
                text += ADDED[(s, i)]
            texts.append(text)
        out.append((heading, texts))
    return out


def policy(enriched: bool = True, drop_date: bool = False) -> list[Para]:
    """The policy's paragraphs as `documents.diff.paragraphs` gives them (anchors and levels)."""
    paras: list[Para] = []
    n = 0

    def add(text: str, anchor: str = "", level: int | None = None) -> None:
        nonlocal n
        n += 1
        paras.append(Para(index=n, text=text, anchor=anchor, level=level))

    add(f"{genhe.ORGAN}文件")
    add(genhe.DOC_NUMBER)
    add(f"{genhe.ORGAN}关于印发《{genhe.INNER_TITLE}》的通知")
    add(genhe.ADDRESSEE)
    add(f"经市政府同意，现将《{genhe.INNER_TITLE}》印发给你们，请结合实际，认真贯彻执行。")
    add(genhe.INNER_TITLE)
    add("".join(genhe.INTRO))
    last = ""
    for heading, items in _items(enriched):
        top = heading.split("、", 1)[0] + "、"
        add(heading, top, 1)
        for item in items:
            label = item[:item.index("）") + 1]
            last = top + label
            add(item, last, 2)
    add("".join(genhe.CLOSING), last)
    add(genhe.ORGAN)
    if not drop_date:
        add("2019年8月5日")
    add("（此件主动公开）")
    return paras


def provisions(enriched: bool = True) -> list[tuple[str, str]]:
    """(anchor, text) of every second-level provision, in order."""
    out = []
    for heading, items in _items(enriched):
        top = heading.split("、", 1)[0] + "、"
        for item in items:
            out.append((top + item[:item.index("）") + 1], item))
    return out


def qa(answers: list[tuple[str, str]], *, head: bool = True) -> list[Para]:
    """A 问N/答 interpretation: answers are (question, answer); question "" makes the sample's
    question from the answer's first 24 characters."""
    paras: list[Para] = []

    def add(text: str) -> None:
        paras.append(Para(index=len(paras) + 1, text=text))

    if head:
        add(f"一问一答读懂《{genhe.INNER_TITLE}》")
        add(f"《{genhe.INNER_TITLE}》政策解读")
        add(f"解读机关：{genhe.UNIT}")
        add(f"关联文件：{genhe.DOC_NUMBER}")
    for n, (question, answer) in enumerate(answers, 1):
        add(f"问{n}：{question or answer[:24] + '……包括哪些内容？'}")
        add(f"答：{answer}")
    return paras


def _answers(keep=None, edit=None) -> list[tuple[str, str]]:
    """One answer per provision of the enriched policy (in order, 问1 … 问17), the answer being the
    provision's text; keep: the provision indexes to answer; edit: index → (old, new) replacements."""
    edit = edit or {}
    out = []
    for i, (_, text) in enumerate(provisions()):
        if keep is not None and i not in keep:
            continue
        for old, new in edit.get(i, []):
            assert old in text, (i, old)
            text = text.replace(old, new, 1)
        out.append(("", text))
    return out


def _q(index: int, keep=None) -> str:
    """The 问N a provision index gets in `_answers(keep)`."""
    order = list(range(len(provisions()))) if keep is None else sorted(keep)
    return f"问{order.index(index) + 1}"


# Provision indexes of the enriched policy (0-based over all （N）): 一(0,1,2) 二(3,4,5) 三(6..9) 四(10..13) 五(14..17)
P_REPLY, P_DECISION, P_EXEC, P_LIVING, P_FINANCE, P_HOTLINE, P_ORG = 1, 3, 4, 8, 9, 13, 14
ALL_TOPS = ["一、", "二、", "三、", "四、", "五、"]


def pairs() -> list[Pair]:
    P = policy()
    out: list[Pair] = []

    def pair(name, interp, expected=(), notes=(), natural=False, pol=None):
        out.append(Pair(name, pol if pol is not None else P, interp, list(expected), list(notes), natural))

    # --- clean pairs: the facts agree however they are written
    pair("clean-verbatim", qa(_answers()))
    pair("clean-sample-plan-only-first-two", qa(_answers(keep=set(range(6)))),
         notes=["三、", "四、", "五、"])
    pair("clean-chinese-numerals", qa(_answers(edit={
        P_REPLY: [("24小时内", "二十四小时内"), ("5个工作日", "五个工作日")],
        P_FINANCE: [("3万元", "三万元"), ("50万元", "五十万元")],
        P_HOTLINE: [("95%", "百分之九十五"), ("15个工作日", "十五个工作日"), ("2个百分点", "两个百分点")],
    })))
    pair("clean-yuan-spelled-out", qa(_answers(edit={
        P_FINANCE: [("3万元", "30000元"), ("1.5亿元", "15000万元")],
        P_ORG: [("8万元", "80,000元")]})))
    pair("clean-fullwidth", qa(_answers(edit={
        P_HOTLINE: [("95%", "９５％"), ("15个工作日", "１５个工作日")],
        0: [("〔2018〕55号", "[2018]55号"), ("〔2018〕43号", "［2018］43号")],
        P_EXEC: [("2019年10月31日", "２０１９年１０月３１日")]})))
    pair("clean-date-in-chinese", qa(_answers(edit={
        P_EXEC: [("2019年10月31日", "二〇一九年十月三十一日")]})))
    pair("clean-within-wording", qa(_answers(edit={
        P_REPLY: [("24小时内", "24小时以内"), ("5个工作日内", "5个工作日之内")],
        P_DECISION: [("30日", "30天")]})))
    paraphrase = [
        ("问：政策对回应社会关切提出了哪些时限要求？",
         "答：对网民关切的热点问题，应在二十四小时之内初步回应，并在五个工作日内发布权威信息。"),
        ("问：财政信息公开有哪些资金安排？",
         "答：符合条件的项目可获一次性补助三万元，单个项目不超过五十万元，专项资金共1.5亿元。"),
        ("问：办事大厅融合发展有哪些量化目标？",
         "答：热线接通率要达到百分之九十五以上，诉求15个工作日之内办结，满意度提高两个百分点。"),
    ]
    pair("clean-paraphrase-unnumbered", _paraphrase(paraphrase), notes=["二、", "五、"],
         natural=True)
    titled = [("（二）积极回应社会关切，时限是多少？",
               "答：热点问题二十四小时内初步回应，五个工作日内发布权威信息。"),
              ("推进重要决策公开，征求意见期限多长？", "答：一般不少于三十日。"),
              ("（四）细化财政信息公开的补助标准？", "答：一次性补助3万元，最高50万元。")]
    pair("clean-questions-name-provisions", qa(titled), notes=["四、", "五、"], natural=True)
    pair("clean-context-years-and-titles", qa([
        ("政策的背景是什么？",
         f"答：《{genhe.INNER_TITLE}》（{genhe.DOC_NUMBER}）于2019年8月5日印发，2019年是新中国成立70周年。"),
        ("", "".join(genhe.SECTIONS[0][1][0]))]), notes=["二、", "三、", "四、", "五、"], natural=True)

    # --- injected: one figure changed in one answer
    changes = [
        ("duration-24-to-48", P_REPLY, "24小时内", "48小时内", ("duration", "48小时")),
        ("duration-workdays", P_REPLY, "5个工作日", "7个工作日", ("duration", "7工作日")),
        ("duration-30-to-15-days", P_DECISION, "30日", "15日", ("duration", "15日")),
        ("duration-days-to-workdays", P_HOTLINE, "15个工作日", "15日", ("duration", "15日")),
        ("count-quarterly", P_EXEC, "1次", "2次", ("count", "2次")),
        ("amount-changed", P_FINANCE, "3万元", "5万元", ("amount", "50000元")),
        ("amount-unit-swapped", P_FINANCE, "3万元", "3元", ("amount", "3元")),
        ("amount-yi-to-wan", P_FINANCE, "1.5亿元", "1.5万元", ("amount", "15000元")),
        ("amount-cap-changed", P_FINANCE, "50万元", "五十五万元", ("amount", "550000元")),
        ("amount-training", P_ORG, "8万元", "6万元", ("amount", "60000元")),
        ("percent-changed", P_HOTLINE, "95%", "90%", ("percent", "90%")),
        ("percent-weight", P_ORG, "4%", "5%", ("percent", "5%")),
        ("percent-points", P_HOTLINE, "2个百分点", "3个百分点", ("percent", "3个百分点")),
        ("percent-written-out-wrong", P_ORG, "4%", "百分之三", ("percent", "3%")),
        ("count-events", P_LIVING, "6场", "8场", ("count", "8场")),
        ("count-posts", P_LIVING, "200个", "300个", ("count", "300个")),
        ("count-people", P_LIVING, "1200人", "2100人", ("count", "2100人")),
        ("count-times", P_ORG, "2次", "3次", ("count", "3次")),
        ("date-changed", P_EXEC, "2019年10月31日", "2019年11月30日", ("date", "2019-11-30")),
        ("date-year-changed", P_EXEC, "2019年10月31日", "2020年10月31日", ("date", "2020-10-31")),
        ("year-changed", 0, "我市2019年", "我市2018年", ("year", "2018")),
        ("year-changed-exec", P_EXEC, "围绕2019年", "围绕2020年", ("year", "2020")),
        ("docno-serial", 0, "〔2018〕43号", "〔2018〕34号", ("docno", "根政办发〔2018〕34号")),
        ("docno-year", 0, "〔2018〕55号", "〔2019〕55号", ("docno", "呼政办发〔2019〕55号")),
        ("docno-organ", 0, "根政办发〔2018〕25号", "根政发〔2018〕25号", ("docno", "根政发〔2018〕25号")),
        ("docno-guoban", 10, "国办函〔2018〕71号", "国办函〔2018〕17号", ("docno", "国办函〔2018〕17号")),
        ("title-changed", 0, "《根河市政府新闻发布工作实施方案》", "《根河市政府新闻发布工作实施办法》",
         ("title", "《根河市政府新闻发布工作实施办法》")),
        ("title-regulation", 15, "《呼伦贝尔市政府信息公开规定》", "《呼伦贝尔市政府信息公开办法》",
         ("title", "《呼伦贝尔市政府信息公开办法》")),
        ("title-abbreviated", 15, "《政府信息公开条例》", "《信息公开条例》", ("title", "《信息公开条例》")),
    ]
    for name, index, old, new, (kind, value) in changes:
        pair(f"inject-{name}", qa(_answers(edit={index: [(old, new)]})), [(kind, _q(index), value)])

    # --- two differences in one interpretation
    pair("inject-two-kinds", qa(_answers(edit={P_REPLY: [("24小时内", "二十四小时内"), ("5个工作日", "10个工作日")],
                                               P_FINANCE: [("3万元", "3000元")]})),
         [("duration", _q(P_REPLY), "10工作日"), ("amount", _q(P_FINANCE), "3000元")])

    # --- a figure that stands elsewhere in the policy, but not at this provision
    pair("inject-figure-from-elsewhere", qa(_answers(edit={P_REPLY: [("24小时内", "30日内")]})),
         [("duration", _q(P_REPLY), "30日")])
    pair("inject-percent-from-elsewhere", qa(_answers(edit={P_ORG: [("4%", "95%")]})),
         [("percent", _q(P_ORG), "95%")])

    # --- provisions left out (notes, no findings)
    keep = set(range(18)) - {6, 7, 8, 9}
    pair("omit-section-three", qa(_answers(keep=keep)), notes=["三、"])
    keep = set(range(10))
    pair("omit-four-and-five", qa(_answers(keep=keep)), notes=["四、", "五、"])
    keep = {P_REPLY, P_FINANCE}
    pair("omit-most-with-change", qa(_answers(keep=keep, edit={P_FINANCE: [("50万元", "20万元")]})),
         [("amount", _q(P_FINANCE, keep), "200000元")], notes=["二、", "四、", "五、"])

    # --- natural: unmapped answers (generic questions) with figures nowhere in the policy
    pair("natural-unmapped-new-limit", _paraphrase([
        ("问：群众反映的问题多久回复？", "答：一般在3个工作日内答复，复杂问题不超过10个工作日。")]),
        [("duration", "问1", "3工作日"), ("duration", "问1", "10工作日")],
        notes=ALL_TOPS, natural=True)
    pair("natural-unmapped-right-figures", _paraphrase([
        ("问：群众反映的问题多久回复？", "答：热点问题24小时内初步回应，诉求15个工作日内办结。")]),
        notes=["二、", "三、", "五、"], natural=True)
    pair("natural-policy-number-misquoted", qa([("本政策的文号是什么？", "答：根政办发〔2019〕63号。")],
                                                head=False),
         [("docno", "问1", "根政办发〔2019〕63号")], notes=ALL_TOPS, natural=True)
    pair("natural-issued-date-wrong", qa([("本政策何时印发？", "答：2019年8月15日印发，自印发之日起施行。")],
                                          head=False),
         [("date", "问1", "2019-08-15")], notes=ALL_TOPS, natural=True)
    pair("natural-issued-date-right", qa([("本政策何时印发？", "答：二〇一九年八月五日印发。")], head=False),
         notes=ALL_TOPS, natural=True)
    pair("natural-title-of-policy-wrong-year", qa([("本政策叫什么？", "答：《根河市2018年政务公开工作要点》。")],
                                                   head=False),
         [("title", "问1", "《根河市2018年政务公开工作要点》")], notes=ALL_TOPS, natural=True)
    pair("natural-amount-in-plain-policy", qa(_answers(keep={9}, edit={9: [("3万元", "3万元")]})),
         [("amount", "问1", "30000元"), ("amount", "问1", "500000元"), ("amount", "问1", "150000000元")],
         notes=["一、", "二、", "四、", "五、"], pol=policy(enriched=False), natural=True)
    pair("natural-date-dropped-from-policy", qa([("本政策何时印发？", "答：2019年8月5日印发。")], head=False),
         [("date", "问1", "2019-08-05")], notes=ALL_TOPS, pol=policy(drop_date=True), natural=True)

    # --- hard cases written as offices write them; the extractor is not expected to get them all
    pair("hard-points-colloquial", qa(_answers(edit={P_HOTLINE: [("2个百分点", "3个点")]})),
         [("percent", _q(P_HOTLINE), "3个百分点")], natural=True)
    pair("hard-wan-without-yuan", qa(_answers(edit={P_FINANCE: [("3万元", "5万")]})),
         [("amount", _q(P_FINANCE), "50000元")], natural=True)
    pair("hard-week-for-workdays", qa(_answers(edit={P_REPLY: [("5个工作日内", "一周内")]})),
         [("duration", _q(P_REPLY), "1周")], natural=True)
    out.extend(_organ_pairs())
    out.extend(_effective_pairs())
    return out


# ------------------------------------------------------------------ a 管理办法 with organs and 施行日期
# The Genhe plan names organs only in brackets and states no 施行日期, so a second policy — a
# 资金管理办法 in the form 办法 take — names organs inline (由…负责, 会同, 配合, 牵头) and ends with
# 本办法自…起施行，有效期…. Variants change only its last provision and its 成文日期.

MEASURES_TITLE = "根河市农村人居环境整治专项资金管理办法"
MEASURES = (
    ("一、总则", (
        "（一）目的依据。为规范农村人居环境整治专项资金管理，提高资金使用效益，制定本办法。",
        "（二）管理职责。市财政局负责专项资金的预算管理和资金拨付，市农牧水利科技局负责项目库建设和绩效目标审核。",
    )),
    ("二、项目管理", (
        "（一）项目申报。各乡镇人民政府负责本辖区项目的组织申报，市农牧水利科技局会同市财政局审核汇总。",
        "（二）项目实施。项目由所在乡镇人民政府负责组织实施，市住房和城乡建设局配合做好技术指导。",
        "（三）监督检查。市审计局牵头开展专项审计，市纪委监委配合。",
    )),
    ("三、资金使用", (
        "（一）补助标准。对验收合格的行政村给予一次性补助20万元。",
        "（二）资金拨付。资金在验收合格后15个工作日内拨付到位（市财政局牵头，各乡镇人民政府配合）。",
    )),
    ("四、绩效管理", (
        "（一）绩效评价。市发展和改革委员会牵头开展年度绩效评价，评价结果向社会公开。",
        "（二）质量抽检。市市场监督管理局负责项目建设材料的质量抽检。",
    )),
    ("五、附则", (
        "（一）解释。本办法由市财政局负责解释。",
        "（二）施行。本办法自2027年1月1日起施行，有效期5年。",
    )),
)
M_DUTY, M_APPLY, M_BUILD, M_AUDIT, M_PAY, M_EVAL, M_CHECK, M_START = 1, 2, 3, 4, 6, 7, 8, 10
M_TOPS = ["一、", "二、", "三、", "四、", "五、"]


def measures(start: str = "本办法自2027年1月1日起施行，有效期5年。", signed: str = "2026年12月1日"
             ) -> list[Para]:
    """The 管理办法's paragraphs; `start` replaces the text of its last provision (五、（二）)."""
    paras: list[Para] = []

    def add(text: str, anchor: str = "", level: int | None = None) -> None:
        paras.append(Para(index=len(paras) + 1, text=text, anchor=anchor, level=level))

    add("根河市人民政府办公室文件")
    add("根政办发〔2026〕18号")
    add(f"根河市人民政府办公室关于印发《{MEASURES_TITLE}》的通知")
    add(f"现将《{MEASURES_TITLE}》印发给你们，请认真贯彻执行。")
    add(MEASURES_TITLE)
    for top, (heading, items) in zip(M_TOPS, MEASURES):
        add(heading, top, 1)
        for item in items:
            if item.startswith("（二）施行。"):
                item = "（二）施行。" + start
            add(item, top + item[:item.index("）") + 1], 2)
    add("根河市人民政府办公室")
    add(signed)
    return paras


def _m_provisions(start: str | None = None) -> list[str]:
    out = [item for _, items in MEASURES for item in items]
    if start is not None:
        out[M_START] = "（二）施行。" + start
    return out


def _m_answers(keep=None, edit=None) -> list[Para]:
    """A Q&A with one answer per provision of the 办法 (问N in provision order), edits as in
    `_answers`."""
    edit = edit or {}
    out = []
    for i, text in enumerate(_m_provisions()):
        if keep is not None and i not in keep:
            continue
        for old, new in edit.get(i, []):
            assert old in text, (i, old)
            text = text.replace(old, new, 1)
        out.append(("", text))
    return qa_about(out)


def qa_about(answers: list[tuple[str, str]]) -> list[Para]:
    paras = [Para(index=1, text=f"《{MEASURES_TITLE}》政策解读")]
    for n, (question, answer) in enumerate(answers, 1):
        paras.append(Para(index=len(paras) + 1, text=f"问{n}：{question or answer[:16] + '……有哪些规定？'}"))
        paras.append(Para(index=len(paras) + 1, text=f"答：{answer.removeprefix('答：')}"))
    return paras


def _mq(index: int, keep=None) -> str:
    order = list(range(len(_m_provisions()))) if keep is None else sorted(keep)
    return f"问{order.index(index) + 1}"


def _organ_pairs() -> list[Pair]:
    M = measures()
    out: list[Pair] = []

    def pair(name, interp, expected=(), notes=(), natural=False, pol=None):
        out.append(Pair(name, pol if pol is not None else M, interp, list(expected), list(notes), natural))

    # clean: the same organs, written otherwise
    pair("organ-clean-verbatim", _m_answers())
    pair("organ-clean-short-forms", _m_answers(edit={
        M_BUILD: [("市住房和城乡建设局", "市住建局")],
        M_EVAL: [("市发展和改革委员会", "市发改委")],
        M_CHECK: [("市市场监督管理局", "市市场监管局")],
        M_APPLY: [("各乡镇人民政府", "各乡镇政府")]}))
    pair("organ-clean-place-names", _m_answers(edit={
        M_DUTY: [("市财政局", "根河市财政局"), ("市农牧水利科技局", "根河市农牧水利科技局")],
        M_AUDIT: [("市审计局", "根河市审计局")]}))
    pair("organ-clean-reworded", qa_about([
        ("（二）项目实施由谁负责？", "由项目所在的乡镇人民政府负责组织实施，技术指导由市住建局配合。"),
        ("（三）监督检查怎么开展？", "专项审计由市审计局牵头，市纪委监委配合开展。"),
        ("（一）绩效评价由谁组织？", "由市发改委牵头，每年开展一次绩效评价。")]),
        notes=["一、", "三、", "五、"], natural=True)
    pair("organ-clean-fullwidth-and-spaces", _m_answers(edit={
        M_AUDIT: [("市审计局牵头", "市 审计局 牵头")],
        M_PAY: [("（市财政局牵头，各乡镇人民政府配合）", "(市财政局牵头，各乡镇人民政府配合)")]}))
    pair("organ-clean-genhe-office-full-name", qa(_answers(edit={
        12: [("市政府办牵头", "市政府办公室牵头")], P_FINANCE: [("市财政局牵头", "根河市财政局牵头")]})),
        natural=True, pol=P_GENHE())

    # injected: another organ, or the same organ in another role
    changes = [
        ("lead-changed", M_AUDIT, "市审计局牵头", "市财政局牵头", "财政局"),
        ("assist-made-lead", M_BUILD, "市住房和城乡建设局配合", "市住房和城乡建设局负责", "住房城乡建设局"),
        ("lead-made-assist", M_EVAL, "市发展和改革委员会牵头", "市发展和改革委员会配合", "发展改革委（配合）"),
        ("organ-from-elsewhere", M_CHECK, "市市场监督管理局负责", "市财政局负责", "财政局"),
        ("by-another", M_BUILD, "由所在乡镇人民政府负责", "由市农牧水利科技局负责", "农牧水利科技局"),
        ("partner-changed", M_APPLY, "会同市财政局", "会同市审计局", "审计局"),
        ("bracket-assist-changed", M_PAY, "各乡镇人民政府配合", "市审计局配合", "审计局（配合）"),
        ("duty-swapped-short-form", M_DUTY, "市农牧水利科技局负责", "市发改委负责", "发展改革委"),
    ]
    for name, index, old, new, value in changes:
        pair(f"organ-inject-{name}", _m_answers(edit={index: [(old, new)]}), [("organ", _mq(index), value)])
    genhe = [
        ("genhe-finance", P_FINANCE, "（市财政局牵头）", "（市审计局牵头）", "审计局"),
        ("genhe-list-member", P_EXEC, "审计局负责落实", "统计局负责落实", "统计局"),
        ("genhe-website", 10, "（市政务服务局牵头）", "（市大数据局牵头）", "大数据局"),
    ]
    for name, index, old, new, value in genhe:
        pair(f"organ-inject-{name}", qa(_answers(edit={index: [(old, new)]})), [("organ", _q(index), value)],
             pol=P_GENHE())
    pair("organ-natural-unmapped-lead", qa_about([
        ("专项审计由谁负责？", "答：由市纪委监委牵头开展专项审计。")]),
        [("organ", "问1", "纪委监委")], notes=M_TOPS, natural=True)
    # hard: a reviewer reads 财政部门 as the 财政局; the checker compares names, not what they stand for
    pair("hard-organ-department-for-bureau", _m_answers(edit={M_DUTY: [("市财政局负责", "市财政部门负责")]}),
         natural=True)
    pair("organ-natural-unmapped-right", qa_about([
        ("专项资金由哪个部门管理？", "答：由市财政局负责专项资金的预算管理。")]),
        notes=M_TOPS, natural=True)
    return out


def _effective_pairs() -> list[Pair]:
    M = measures()
    out: list[Pair] = []
    keep = {M_START}
    q = _mq(M_START, keep)
    start_only = ["一、", "二、", "三、", "四、"]

    def pair(name, interp, expected=(), notes=start_only, natural=False, pol=None):
        out.append(Pair(name, pol if pol is not None else M, interp, list(expected), list(notes), natural))

    def says(answer: str) -> list[Para]:
        return qa_about([("（二）施行。本办法何时施行，有效期多长？", answer)])

    # clean: the same 施行日期 and validity, written otherwise
    pair("effective-clean-verbatim", _m_answers(keep=keep))
    pair("effective-clean-end-date", says("本办法自2027年1月1日起施行，有效期至2031年12月31日。"), natural=True)
    pair("effective-clean-chinese-numerals", says("本办法自二〇二七年一月一日起实施，有效期为五年。"))
    pair("effective-clean-fullwidth", says("本办法自２０２７年１月１日起施行，有效期５年。"))
    pair("effective-clean-months", says("本办法于2027年1月1日起施行，有效期60个月。"))
    pair("effective-clean-issued-day", says("本办法自2026年12月1日起施行，有效期三年，至2029年11月30日。"
                                             "即有效期至2029年11月30日。"),
         pol=measures("本办法自印发之日起施行，有效期3年。"), natural=True)
    pair("effective-clean-policy-states-end", says("本办法自2027年1月1日起施行，有效期5年。"),
         pol=measures("本办法自2027年1月1日起施行，有效期至2031年12月31日。"))
    pair("effective-clean-end-of-year", says("本办法自2027年1月1日起施行，有效期至2031年底。"), natural=True)
    pair("effective-inject-end-of-year", says("本办法自2027年1月1日起施行，有效期至2030年底。"),
         [("effective", q, "有效期至2030-12-31")], natural=True)
    pair("effective-clean-unmapped-question", qa_about([
        ("本办法什么时候开始施行？", "答：2027年1月1日起施行，有效期五年。")]), notes=M_TOPS, natural=True)

    # injected: another date or period
    pair("effective-inject-start-date", says("本办法自2027年3月1日起施行，有效期5年。"),
         [("effective", q, "施行2027-03-01")])
    pair("effective-inject-start-year", _m_answers(keep=keep, edit={M_START: [("2027年", "2028年")]}),
         [("effective", q, "施行2028-01-01")])
    pair("effective-inject-period", _m_answers(keep=keep, edit={M_START: [("有效期5年", "有效期3年")]}),
         [("effective", q, "有效期3年")])
    pair("effective-inject-end-date", says("本办法自2027年1月1日起施行，有效期至2032年12月31日。"),
         [("effective", q, "有效期至2032-12-31")])
    pair("effective-inject-issued-day", says("本办法自印发之日起施行，有效期5年。"),
         [("effective", q, "施行印发之日")], natural=True)
    pair("effective-inject-period-the-policy-lacks", says("本办法自2027年1月1日起施行，有效期5年。"),
         [("effective", q, "有效期5年")], pol=measures("本办法自2027年1月1日起施行。"))
    pair("effective-inject-both", says("本办法自2027年7月1日起施行，有效期两年。"),
         [("effective", q, "施行2027-07-01"), ("effective", q, "有效期2年")])
    pair("effective-inject-issued-day-policy", says("本办法自2027年1月1日起施行，有效期3年。"),
         [("effective", q, "施行2027-01-01")], pol=measures("本办法自印发之日起施行，有效期3年。"))
    pair("effective-inject-unmapped", qa_about([
        ("本办法什么时候开始施行？", "答：自2027年10月1日起施行。")]),
        [("effective", "问1", "施行2027-10-01")], notes=M_TOPS, natural=True)
    return out


def P_GENHE() -> list[Para]:
    return policy()


def _paraphrase(items: list[tuple[str, str]]) -> list[Para]:
    paras = [Para(index=1, text=f"《{genhe.INNER_TITLE}》政策解读")]
    for q, a in items:
        paras.append(Para(index=len(paras) + 1, text=q))
        paras.append(Para(index=len(paras) + 1, text=a))
    return paras


__all__ = ["Pair", "pairs", "policy", "provisions", "qa", "qa_about", "measures", "ADDED", "MEASURES"]
