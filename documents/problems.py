"""Problems with stable codes (DESIGN.md, "Stable problem codes": add codes, never rename them).

Every refusal in Lockstep is one of these. `message` is Chinese, for people, and says what
to do; `code` is for clients and tests.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Severity = Literal["error", "warning"]

# code -> what an office should do about it (the default wording of a message's advice).
CODES: dict[str, str] = {
    "not_docx": "该文件不是可读取的 docx 文件，请在 Word/WPS 中另存为 .docx 后重新提交",
    "unsafe_path": "压缩包内文件路径越出压缩包或为绝对路径，请重新打包后提交",
    "bundle_too_large": "压缩包或其中文件超过大小或解压比例限制，请精简后重新提交",
    "encrypted_document": "文件已加密或设有打开密码，请取消密码、另存为 .docx 后重新提交",
    "docno_format": "发文字号应为“机关代字〔年份〕序号号”，年份用六角括号〔〕，序号不编虚位",
    "policy_missing": "材料中没有政策文件，请补充后重新提交",
    "interpretation_missing": "缺少解读方案或解读材料，须与政策文件同步提交",
    "interpreter_not_drafter": "按照“谁起草、谁解读”，解读须由起草单位作出并提交",
    "interpretation_mismatch": "解读材料所指向的文件与本政策文件不一致，请核对标题和发文字号",
    "risk_assessment_missing": "缺少舆情风险评估报告，请补充后重新提交",
    "response_plan_missing": "风险等级为高，须附应对处置预案并经宣传部门审核同意",
    "stage_not_approved": "须由有相应角色的人员在本版本上审核通过（重新提交会使此前的审核失效）",
    "consultation_open": "重大行政决策的征求意见期未结束或意见采纳情况未公布",
    "not_public": "不予公开的文件不能进入公报、公开台帐或任何公开渠道",
    "effective_before_gazette": "规范性文件须先在政府公报刊登，施行日期不得早于公报出版日期",
    "not_permitted": "当前人员没有该操作的角色或单位权限，或不能审核本人送审的文件",
    "date_format": "成文日期应使用阿拉伯数字且年月日写全，如 2019年4月1日",
    "disclosure_missing": "政策文件须标注公开属性（主动公开、依申请公开或不予公开）",
    "page_format": "版面应为 A4，上白边 37 mm、左白边 28 mm，版心 156 mm × 225 mm（GB/T 9704-2012）",
    "font_format": "标题应为小标宋体 2 号（22 磅），正文应为仿宋体 3 号（16 磅）",
    "title_missing": "政策文件中未能找到标题",
    # Added codes (never renamed once published).
    "not_found": "没有找到该对象，请核对编号",
    "unknown_person": "配置中没有该人员，请用 lockstep users list 查看",
    "invalid_state": "卷宗当前状态不允许该操作",
    "bundle_empty": "提交的材料中没有可读取的文件",
    "home_missing": "尚未初始化 Lockstep 主目录，请先运行 lockstep init",
    "manifest_invalid": "bundle.json 内容有误，请按说明填写（drafting_unit、kind、public_interest、files）",
    "bundle_unreadable": "压缩包已损坏或不是有效的 zip 文件，请重新打包后提交",
    "request_invalid": "接口请求内容有误，请按接口说明（/docs）填写后重试",
    # Added in the second round (DESIGN.md, "Guarantees").
    "disclosure_unknown": "未能确定政策文件的公开属性；须由起草单位负责人或签发人确定（主动公开、依申请公开或不予公开）后才能签发",
    "kind_doubtful": "须由合法性审核人员在“类别认定”环节确认；如属行政规范性文件，请在 bundle.json 中写 \"kind\": \"行政规范性文件\" 后向本卷宗重新提交",
    "effective_date_missing": "规范性文件未写明施行日期，将自刊登该文件的政府公报出版之日起施行",
    "risk_assessment_mismatch": "舆情风险评估报告所评估的文件与本政策文件不一致，请核对标题和发文字号",
    "interpretation_inconsistent": "解读中的数字、日期、文号、标题、责任单位或施行日期、有效期与政策原文不一致，请核对",
    "reason_unanswered": "重新提交的版本未说明如何答复该退回理由：请起草单位补充修改说明，审核人员核对相应条款的修改",
    "revision_note_invalid": "修改说明格式有误：应为“理由: 修改说明”的对应表，如 {\"一、（二）\": \"已按意见修改为…\"}，或列表 [{\"理由\": …, \"修改说明\": …}]",
    "file_not_found": "找不到该文件或文件夹，请核对路径和文件名",
    "consultation_not_started": "该卷宗尚未开始征求意见，请先开始征求意见期（lockstep consultation open 或工作台“征求意见”）",
    "queued": "已受理并记录，等待工作节点处理；可用 lockstep due 查看",
    "config_invalid": "lockstep.toml 中该项写法有误，请按 README 的说明修改后重试",
    "too_many_requests": "提交过于频繁或过于集中，本次未保存，请稍后再试",
    "deliberation_record_missing": "集体审议须先记录会议（会议名称、第几次会议、会议日期、会议纪要 docx），再审核通过：lockstep deliberation record 或工作台审阅页“集体审议记录”",
    "print_pdf_unavailable": "印刷版 PDF 未能生成（本机未安装 LibreOffice，或转换失败、超时）；本期已照常出版，公众获取 docx 印刷版。安装 LibreOffice 后，lockstep publish --pending（或定时检查）补做",
    "storage_unavailable": "对象存储暂时无法访问，本次未保存任何内容，请稍后重试",
    "database_unavailable": "数据库暂时无法访问，本次未保存任何内容，请稍后重试",
    "release_folder_mismatch": "运行 lockstep storage check --repair 按记录重写该期电子版并设置印刷版的访问权限（撤回公开的文件不会重新出现）",
    "internal_error": "程序内部错误，本次操作已中止；请记下时间告知运维人员（设 LOCKSTEP_DEBUG=1 可查看详情），可稍后重试",
}


class Problem(BaseModel, frozen=True):
    code: str
    message: str
    severity: Severity = "error"
    file: str | None = None
    paragraph: int | None = None  # 1-based paragraph number in the file, where known


def problem(code: str, detail: str = "", *, severity: Severity = "error",
            file: str | None = None, paragraph: int | None = None, advice: str | None = None) -> Problem:
    """A problem whose message is the detail (what was found) followed by the advice for its code.
    `advice` replaces the code's general advice where that would not fit this case ("" for none:
    the detail already says what to do)."""
    if code not in CODES:
        raise KeyError(f"unknown problem code {code!r}: add it to documents.problems.CODES")
    advice = CODES[code] if advice is None else advice
    message = (f"{detail}：{advice}" if advice else detail) if detail else (advice or CODES[code])
    return Problem(code=code, message=message, severity=severity, file=file, paragraph=paragraph)


def warning(code: str, detail: str = "", **where) -> Problem:
    return problem(code, detail, severity="warning", **where)


class Refused(Exception):
    """An action refused with coded problems. Carries at least one Problem."""

    def __init__(self, *problems: Problem) -> None:
        if not problems:
            raise ValueError("Refused needs at least one problem")
        self.problems: tuple[Problem, ...] = problems
        super().__init__("; ".join(f"{p.code}: {p.message}" for p in problems))

    @property
    def problem(self) -> Problem:
        return self.problems[0]
