"""The organisation a Lockstep home serves: units, people, roles and review pipelines.

Parsed from `lockstep.toml` text; no file I/O here (services/home/folder.py reads and writes the file).
"""
from __future__ import annotations

import tomllib
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from review.clock import WorkCalendar

from review.catalogue import Site
from review.units import UnitBook, same_unit  # noqa: F401  (same_unit: re-exported for older imports)

ROLE_NAMES: dict[str, str] = {
    "drafter": "起草人员",
    "unit_head": "起草单位负责人",
    "legal_reviewer": "合法性审核人员",
    "deliberation_secretary": "集体审议记录人",
    "publicity": "宣传部门审核人员",
    "signer": "签发人",
    "gazette_editor": "公报编辑",
    "registrar": "台帐管理员",
}


class Unit(BaseModel, frozen=True):
    name: str
    short: str | None = None       # e.g. 政务服务局, as offices often write it


class Person(BaseModel, frozen=True):
    name: str
    unit: str
    roles: tuple[str, ...]
    display: str | None = None     # a person's name for pages, e.g. 张三
    email: str | None = None       # where notifications are mailed (issue 14); none: the desk inbox only


class StageSpec(BaseModel, frozen=True):
    id: str                        # ASCII and stable: unit_check, legality, deliberation, publicity, ...
    name: str                      # 中文 name shown to people
    roles: tuple[str, ...]         # any one of these roles may approve
    after: tuple[str, ...] | None = None   # stages that must be approved first; None = the previous stage
    same_unit: bool = False        # only a person of the drafting unit may act (unit checks)
    when: Literal["always", "high_risk"] = "always"
    require_all: bool = False      # every listed role must approve (each by its own person)
    # An emergency sign-off (紧急签发) may leave this stage for review after the fact. Off unless
    # the config says so: 合法性审核 and 集体审议 of normative documents never are (the law has no bypass).
    skippable: bool = False
    # 集体审议 (issue 14): approving this stage needs the meeting's record on the version (meeting,
    # 第N次, date, minutes; review.rules.deliberation_record_problem). The stage `deliberation` is
    # recorded whether or not this is set; set it to make the record a condition of the approval.
    meeting_record: bool = False


class Pipeline(BaseModel, frozen=True):
    kind: str                      # 行政规范性文件 / 政策性文件 / 重大行政决策
    stages: tuple[StageSpec, ...]
    normative: bool = False        # goes to the gazette and the register
    major_decision: bool = False   # needs public consultation before sign-off

    @model_validator(mode="after")
    def _kind_is_confirmed(self) -> "Pipeline":
        """A kind that skips legality review carries 类别认定 (review/kinds.py), whether the config
        names it or not, and so does a version's stored snapshot of such a pipeline."""
        from review.kinds import kind_stage_fields, needs_kind_stage
        if needs_kind_stage(self.normative, self.stages):
            object.__setattr__(self, "stages", (*self.stages, StageSpec(**kind_stage_fields())))
        return self


class Clocks(BaseModel, frozen=True):
    """Time limits, in the forms review.clock.Period.parse reads (15个工作日, 30日, ...)."""
    legality_review: str = "15个工作日"
    consultation_minimum: str = "30日"
    filing: str = "30日"

    @model_validator(mode="after")
    def _periods_parse(self) -> "Clocks":
        from review.clock import Period
        for value in (self.legality_review, self.consultation_minimum, self.filing):
            Period.parse(value)
        return self


class Opinions(BaseModel, frozen=True):
    """Legality opinions (合法性审核意见书): numbered per year, e.g. 根司合审〔2019〕12号."""
    organ: str = "根河市司法局"
    organ_code: str = "根司合审"


class Gazette(BaseModel, frozen=True):
    """The gazette's print edition: where each policy's 政策解读 goes — right after its policy
    (after_policy) or all together in a 政策解读 section closing the issue (at_end)."""
    interpretations: Literal["after_policy", "at_end"] = "after_policy"


class Mail(BaseModel, frozen=True):
    """[mail]: the SMTP server notifications are sent through (issue 14). No host: notifications go to
    the desk inbox only. The password is never in the file: `password_env` names the environment
    variable that holds it."""
    host: str = ""
    port: int = 25
    sender: str = Field("", alias="from")      # the From address, e.g. lockstep@genhe.gov.cn
    starttls: bool = False
    user: str = ""
    password_env: str = ""
    timeout: float = 10.0                       # seconds, per connection and command
    desk_url: str = ""                          # the desk's address in mails, e.g. https://desk.genhe.gov.cn

    model_config = {"populate_by_name": True}


class Config(BaseModel, frozen=True):
    city: str
    register_format: str = "{prefix}-{year}-{serial:04d}"
    register_prefix: str = "REG"
    default_kind: str = "行政规范性文件"
    site_base_url: str = "/site"
    # The public site's name (政府信息公开 pages, 404 page, gazette list): the government it speaks for.
    # Blank: "{city}人民政府" (e.g. 根河市人民政府). Staff pages keep "Lockstep 工作台".
    site_name: str = ""
    units: tuple[Unit, ...]
    people: tuple[Person, ...]
    # People on record but disabled (`lockstep users disable`): never acting, but named as such when asked for.
    disabled: tuple[str, ...] = ()
    pipelines: tuple[Pipeline, ...] = Field(min_length=1)
    clocks: Clocks = Clocks()
    opinions: Opinions = Opinions()
    gazette: Gazette = Gazette()
    mail: Mail = Mail()
    # [site]: the 主题分类 list and the 索引号's prefix and format (review/catalogue.py, issue 15).
    site: Site = Site()
    # [calendar."2027"]: a year's 放假调休 arrangement entered by the operator (review.clock.WorkCalendar);
    # a bad date is refused at load (config_invalid) naming the key.
    calendar: WorkCalendar = WorkCalendar()

    @field_validator("calendar", mode="before")
    @classmethod
    def _calendar(cls, value):
        return WorkCalendar.from_config(value)

    @model_validator(mode="after")
    def _people_belong_to_units(self) -> "Config":
        known = {u.name for u in self.units}
        for p in self.people:
            if p.unit not in known:
                raise ValueError(f"人员 {p.name} 的单位 {p.unit} 不在 units 中")
        return self

    @property
    def government(self) -> str:
        """The name the public site speaks in (site_name, else 根河市人民政府 from the city)."""
        return self.site_name.strip() or f"{self.city}人民政府"

    def person(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name), None)

    def pipeline(self, kind: str) -> Pipeline | None:
        return next((p for p in self.pipelines if p.kind == kind), None)

    def unit(self, name: str) -> Unit | None:
        """The unit a name or its configured short form names exactly (never by suffix)."""
        canonical = self.unit_book.canonical(name)
        return next((u for u in self.units if u.name == canonical), None)

    @property
    def unit_book(self) -> UnitBook:
        return UnitBook(self.units)


def parse_config(text: str) -> Config:
    raw = tomllib.loads(text)
    return Config.model_validate(raw)


DEFAULT_CONFIG_TOML = """\
# Lockstep 配置：单位、人员、角色与各类文件的审核流程。
# 修改后立即生效；已在办卷宗的历史记录不会被改写。
city = "根河市"
register_prefix = "GHDR"                       # 规范性文件统一登记号前缀
register_format = "{prefix}-{year}-{serial:04d}"
default_kind = "行政规范性文件"
site_name = "根河市人民政府"                   # 公开网站（政府信息公开、政府公报、公开台帐）署名

# 时限：合法性审核期限、征求意见最短期限、发布后报备期限（“15个工作日”“30日”等，按法定节假日与调休计算）
[clocks]
legality_review = "15个工作日"
consultation_minimum = "30日"
filing = "30日"

# 合法性审核意见书：出具机关与机关代字（编号如 根司合审〔2019〕1号）
[opinions]
organ = "根河市司法局"
organ_code = "根司合审"

# 政府信息公开目录：索引号（发布时按年编号，如 11150785MB0123456X/2026-00001）与主题分类（起草单位在
# bundle.json 的 topic 或工作台卷宗页面填写，须为下列之一）。index_prefix 不填时用 register_prefix；
# topics 不写时用国务院政策文件库的主题分类（综合政务、国民经济管理、国有资产监管……其他）。
[site]
index_prefix = ""                              # 通常为本级政府（办公室）的统一社会信用代码
index_format = "{prefix}/{year}-{serial:05d}"
# topics = ["综合政务", "财政、金融、审计", "其他"]

[[units]]
name = "根河市人民政府"

[[units]]
name = "根河市人民政府办公室"
short = "市政府办"

[[units]]
name = "根河市政务服务局"
short = "政务服务局"

[[units]]
name = "根河市司法局"
short = "司法局"

[[units]]
name = "中共根河市委宣传部"
short = "宣传部"

[[people]]
name = "drafter"
display = "起草经办人"
unit = "根河市政务服务局"
roles = ["drafter"]

[[people]]
name = "director"
display = "政务服务局局长"
unit = "根河市政务服务局"
roles = ["unit_head"]

[[people]]
name = "reviewer"
display = "司法局合法性审核员"
unit = "根河市司法局"
roles = ["legal_reviewer"]

[[people]]
name = "secretary"
display = "市政府常务会议记录人"
unit = "根河市人民政府办公室"
roles = ["deliberation_secretary"]

[[people]]
name = "signer"
display = "市长"
unit = "根河市人民政府"
roles = ["signer"]

[[people]]
name = "editor"
display = "公报编辑"
unit = "根河市人民政府办公室"
roles = ["gazette_editor", "registrar"]

[[people]]
name = "publicity"
display = "宣传部审核员"
unit = "中共根河市委宣传部"
roles = ["publicity"]

[[pipelines]]
kind = "行政规范性文件"
normative = true
stages = [
  { id = "unit_check", name = "起草单位审核", roles = ["unit_head"], same_unit = true },
  { id = "legality", name = "合法性审核", roles = ["legal_reviewer"] },
  { id = "publicity", name = "宣传部门审核（高风险）", roles = ["publicity"], after = ["unit_check"], when = "high_risk" },
  { id = "deliberation", name = "集体审议", roles = ["deliberation_secretary"], after = ["legality"] },
]

[[pipelines]]
kind = "政策性文件"
# 紧急签发只可跳过标明 skippable 的环节（事后补审）；行政规范性文件与重大行政决策的合法性审核、集体审议不可跳过。
# “类别认定”：申报为政策性文件的，由合法性审核人员确认不属于规范性文件（不写也会自动加上，且不可跳过）。
stages = [
  { id = "unit_check", name = "起草单位审核", roles = ["unit_head"], same_unit = true, skippable = true },
  { id = "publicity", name = "宣传部门审核（高风险）", roles = ["publicity"], after = ["unit_check"], when = "high_risk" },
  { id = "kind_check", name = "类别认定（确认非规范性文件）", roles = ["legal_reviewer"], after = [] },
]

[[pipelines]]
kind = "重大行政决策"
normative = true
major_decision = true
stages = [
  { id = "unit_check", name = "起草单位审核", roles = ["unit_head"], same_unit = true },
  { id = "legality", name = "合法性审核", roles = ["legal_reviewer"] },
  { id = "publicity", name = "宣传部门审核（高风险）", roles = ["publicity"], after = ["unit_check"], when = "high_risk" },
  { id = "deliberation", name = "集体审议", roles = ["deliberation_secretary"], after = ["legality"] },
]
"""
