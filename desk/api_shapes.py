"""The JSON API's shapes, as /docs and /openapi.json show them: what each call takes and answers."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from documents.models import ROLE_NAMES as FILE_ROLES
from documents.problems import Problem
from review.gate import Blocking
from review.model import EmergencySignedOff, SignedOff, StageDecided
from services.intake import SubmitResult
from services.publication import PublicationResult
from services.register_life import EntryView
from services.review import GateAnswer, Status

REGISTER_STATUSES = Literal["in_force", "amended", "repealed", "expired"]


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


class DecisionOut(BaseModel):
    ok: bool = True
    dossier: str
    decision: StageDecided
    gate: GateAnswer


class PublicationOut(PublicationResult):
    problems: list[Problem] = Field(default_factory=list)


class SignOffIn(BaseModel):
    emergency_reason: str | None = Field(None, description="紧急签发的理由：只能跳过未完成的审核环节，事后补审")


class SignOffOut(BaseModel):
    ok: bool
    dossier: str
    signed: bool = True
    signed_off: EmergencySignedOff | SignedOff          # an emergency sign-off keeps its reason
    publication: PublicationOut


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
          422: refusal_doc("请求内容有误（request_invalid）")}
UPLOAD_SIZE = {413: refusal_doc("上传内容超过大小限制（bundle_too_large）"), 400: refusal_doc("上传内容无法读取")}


def _multipart(properties: dict, required: list[str]) -> dict:
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": properties, "required": required}}}}}


BUNDLE_BODY = _multipart({
    "files": {"type": "array", "items": {"type": "string", "format": "binary"},
              "description": "材料包：一个 zip，或多个文件（docx、图片等）"},
    "dossier": {"type": "string", "description": "可选：作为该卷宗的新版本提交"}}, ["files"])
ATTACH_BODY = _multipart({
    "file": {"type": "string", "format": "binary", "description": "要补充或替换的一份材料"},
    "role": {"type": "string", "enum": list(FILE_ROLES), "description": "材料角色"}}, ["file", "role"])
