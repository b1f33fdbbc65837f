"""The JSON API's shapes, as /docs and /openapi.json show them: what each call takes and answers."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from documents.models import ROLE_NAMES as FILE_ROLES
from documents.problems import CODES, Problem, problem
from review.gate import Blocking
from review.model import EmergencySignedOff, SignedOff, StageDecided
from services.dossiers.intake import SubmitResult
from services.publication.publish import PublicationResult
from services.register.life import EntryView
from services.review.actions import GateAnswer, Status

REGISTER_STATUSES = Literal["pending", "in_force", "amended", "repealed", "expired"]


# ---------------------------------------------------------------- shapes (shown at /docs)

class ProblemsOut(BaseModel):
    ok: bool = False
    problems: list[Problem]


class MeOut(BaseModel):
    name: str
    display: str | None = None
    unit: str
    roles: tuple[str, ...]


class SubmitOut(SubmitResult):
    ok: bool
    gate: GateAnswer | None = None


class StatusOut(Status):
    may_act: list[str] = Field(default_factory=list, description="本人此刻可以审核的环节")


class DecisionIn(BaseModel):
    stage: str = Field(description="审核环节 id，如 unit_check、legality、deliberation")
    verdict: Literal["approve", "return"] = Field(description="approve 通过，return 退回")
    comment: str = ""
    reasons: list[str] = Field(default_factory=list,
                               description="定位到条款的理由，如“一、（二）：表述不清”；解读材料用“解读：问3：…”")
    version: int | None = Field(None, ge=1, description="审阅的版本号（卷宗状态中的 version）：卷宗已有更新的版本时"
                                                     "拒绝（409 invalid_state），审核只落在审阅过的版本上")


class DecisionOut(BaseModel):
    ok: bool = True
    dossier: str
    decision: StageDecided
    gate: GateAnswer


class PublicationOut(PublicationResult):
    problems: list[Problem] = Field(default_factory=list)


# 定时发布's moment: RFC 3339 with an offset, or a date alone (0:00 local time); read by
# services.publication.schedule.read_moment, as the command line's --publish-at is.
PUBLISH_AT_SCHEMA = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"},
                               {"type": "null"}],
                     "description": "定时发布：网站公开的时间。带时差的 ISO 8601 时间（如 2026-12-10T09:00:00+08:00），"
                                    "或只写日期（如 2026-12-10，当日 0:00，本地时间）；须为将来的时间。页面签发时即生成并核对，"
                                    "到时才公开。不填：签发后立即发布",
                     "examples": ["2026-12-10T09:00:00+08:00", "2026-12-10"]}


class SignOffIn(BaseModel):
    emergency_reason: str | None = Field(None, description="紧急签发的理由：只能跳过未完成的审核环节，事后补审")
    publish_at: Annotated[str | None, WithJsonSchema(PUBLISH_AT_SCHEMA)] = None
    version: int | None = Field(None, ge=1, description="核对过的版本号（签发条件中的 version）：卷宗已有更新的版本时"
                                                     "拒绝（409 invalid_state），只签发核对过的版本")


class SignOffOut(BaseModel):
    ok: bool
    dossier: str
    signed: bool = True
    signed_off: EmergencySignedOff | SignedOff          # an emergency sign-off keeps its reason
    publication: PublicationOut
    problems: list[Problem] = Field(default_factory=list, description="发布未完成时的原因（ok 为 false，与 publication.problems 相同）")


class SignOffRefused(ProblemsOut):
    dossier: str
    signed: bool = False
    ready: bool
    blocking: list[Blocking]
    gate: GateAnswer


class QueueItem(BaseModel):
    dossier: str
    title: str
    doc_number: str | None = None
    drafting_unit: str
    version: int
    stage: str
    stage_name: str
    waiting_on: list[str] = Field(description="须先完成的环节")
    state_name: str


class QueueOut(BaseModel):
    items: list[QueueItem]


class RegisterOut(BaseModel):
    entries: list[EntryView]


def refusal_doc(description: str) -> dict:
    return {"model": ProblemsOut, "description": description}


COMMON = {401: refusal_doc("缺少令牌或令牌无效（not_permitted）"), 403: refusal_doc("没有该操作的角色或单位权限（not_permitted）"),
          422: refusal_doc("请求内容有误（request_invalid）：参数、JSON 或表单不符合接口说明"),
          503: refusal_doc("数据库或对象存储暂时无法访问，未保存任何内容，请稍后重试（database_unavailable、storage_unavailable）")}
UPLOAD_SIZE = {413: refusal_doc("上传内容超过大小限制（bundle_too_large）"),
               400: refusal_doc("上传内容无法读取或没有文件（bundle_unreadable、bundle_empty）")}
# A JSON body is read whole, so it has its own small limit (desk/app.py, BodyLimit).
JSON_BODY_LIMIT = 1024 * 1024
JSON_SIZE = {413: refusal_doc(f"请求体超过 {JSON_BODY_LIMIT // (1024 * 1024)} MB（request_invalid）")}


def submit_refused(description: str) -> dict:
    """An upload's 422: the intake's answer (accepted false, problems) or the request's own problem."""
    return {"model": SubmitOut | ProblemsOut, "description": description}


# ---------------------------------------------------------------- refusals FastAPI and Starlette make

# pydantic's error types in words; any other keeps pydantic's own wording after the field's place.
ERROR_WORDS = {
    "missing": "缺少此项", "json_invalid": "不是有效的 JSON", "json_type": "应为 JSON",
    "model_attributes_type": "应为 JSON 对象（Content-Type: application/json）", "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象", "string_type": "应为字符串", "list_type": "应为数组", "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false", "int_type": "应为整数", "int_parsing": "应为整数", "literal_error": "取值不在允许的范围内",
    "enum": "取值不在允许的范围内", "string_too_long": "过长", "string_unicode": "应为 UTF-8 文本",
    "extra_forbidden": "不接受此项", "none_required": "应为空",
}


def _place(loc) -> str:
    return ".".join(str(x)[:40] for x in loc)[:120] or "请求"


def request_problem(errors) -> Problem:
    """FastAPI's RequestValidationError as the one problem shape: request_invalid, each place said."""
    where = "；".join(f"{_place(e.get('loc', ()))}：{ERROR_WORDS.get(e.get('type'), e.get('msg', ''))}"
                     for e in list(errors)[:5])
    return problem("request_invalid", f"请求内容有误（{where}）" if where else "请求内容有误")


def http_problem(status: int, detail, method: str, allow: str | None) -> Problem:
    """Starlette's and FastAPI's own HTTP errors on /api (unknown address, method, unreadable body)."""
    if isinstance(detail, dict) and detail.get("code") in CODES:
        return problem(detail["code"], str(detail.get("message") or ""))
    if status == 404:
        return problem("not_found", "没有该接口地址（接口说明见 /docs）")
    if status == 405:
        return problem("request_invalid", f"该接口地址不接受 {method[:16]} 请求" + (f"（可用：{allow}）" if allow else ""))
    if status in (401, 403):
        return problem("not_permitted")
    if status == 413:
        return problem("request_invalid", "请求体过大")
    return problem("request_invalid", "请求体无法读取（JSON 须为 UTF-8 编码）")


def _multipart(properties: dict, required: list[str]) -> dict:
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": properties, "required": required}}}}}


BUNDLE_BODY = _multipart({
    "files": {"type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1,
              "description": "材料包：一个 zip，或多个文件（docx、图片等）"},
    "dossier": {"type": "string", "description": "可选：作为该卷宗的新版本提交"}}, ["files"])
ATTACH_BODY = _multipart({
    "file": {"type": "string", "format": "binary", "description": "要补充或替换的一份材料"},
    "role": {"type": "string", "enum": list(FILE_ROLES), "description": "材料角色"}}, ["file", "role"])
