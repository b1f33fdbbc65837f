"""Which kind a dossier is, and who settles it (DESIGN.md, "Fail closed"; "The law has no bypass").

A bundle's `kind` is what the drafting office says about its own document. A 行政规范性文件 must pass
合法性审核 and the gazette; a 政策性文件 passes neither, so declaring the lighter kind would let a
normative document skip legality review. The declaration is therefore a claim: every pipeline that
is not normative and that no legal reviewer acts on carries the stage 类别认定 (KIND_STAGE), in which
the 合法性审核机构 confirms that the document is not normative — or returns it, and the office
resubmits it as 行政规范性文件 (bundle.json "kind"). The stage is added to the pipeline itself
(review.config.Pipeline), so a configured pipeline, a version's stored snapshot and the gate all
carry it; it is not skippable in an emergency.

`normative_signals` reads what in a policy suggests a 规范性文件, for a warning at intake and on the
review page; the stage is required whether or not any signal is found.
"""
from __future__ import annotations

import re

from documents.models import DocumentMeta
from documents.problems import Problem, warning

LEGAL_REVIEWER = "legal_reviewer"
KIND_STAGE_ID = "kind_check"
KIND_STAGE_NAME = "类别认定（确认非规范性文件）"

# Titles of documents that set rules: 《…管理办法》, 规定, 实施细则, 规则, 规范 (with （试行） etc.).
_RULE_TITLE = re.compile(r"(办法|规定|细则|规则|规范)(（(试行|暂行|修订|修正)）)?》?(的通知)?$")
_RULE_NUMBER = re.compile(r"规")     # 根政规〔2026〕1号: a 规 in the organ code marks a 规范性文件 series


def legal_only(stage) -> bool:
    """A stage only a legal reviewer can approve: its one role, or a require_all stage naming it.
    A stage shared with another role (any one of them may approve) is not: the other could."""
    return tuple(stage.roles) == (LEGAL_REVIEWER,) or (stage.require_all and LEGAL_REVIEWER in stage.roles)


def needs_kind_stage(normative: bool, stages) -> bool:
    """A pipeline needs 类别认定 when it is not normative and none of its always-active stages is one
    only a legal reviewer can approve (a stage active only at 高 risk leaves a low-risk version
    without one). `stages`: StageSpec-like (id, roles, when, require_all). A stage named kind_check
    that is not such a stage is a configuration error (ValueError), never a way around it."""
    if any(s.id == KIND_STAGE_ID and not (legal_only(s) and s.when == "always") for s in stages):
        raise ValueError(f"环节 {KIND_STAGE_ID}（{KIND_STAGE_NAME}）只能由合法性审核人员（{LEGAL_REVIEWER}）办理，且不设条件")
    return not normative and not any(legal_only(s) and s.when == "always" for s in stages)


def kind_stage_fields() -> dict:
    """The 类别认定 stage: a legal reviewer's, after nothing (it may be done at any time), never
    skippable (an emergency sign-off cannot skip the question whether legality review was due)."""
    return {"id": KIND_STAGE_ID, "name": KIND_STAGE_NAME, "roles": (LEGAL_REVIEWER,), "after": (),
            "skippable": False}


def normative_signals(meta: DocumentMeta | None) -> list[str]:
    """What in a policy suggests a 规范性文件: a 规 in its 发文字号's organ code, a title that names
    rules (办法, 规定, 细则, 规则, 规范). Empty when nothing does or the policy was not read."""
    if meta is None:
        return []
    out = []
    if meta.doc_number is not None and _RULE_NUMBER.search(meta.doc_number.organ_code):
        out.append(f"发文字号 {meta.doc_number.canonical} 的机关代字含“规”字")
    title = (meta.title or "").strip()
    if title and _RULE_TITLE.search(title):
        out.append(f"标题“{title}”为办法、规定、细则类")
    return out


def kind_doubt(kind: str, normative: bool, meta: DocumentMeta | None, file: str | None = None,
               normative_kind: str = "行政规范性文件") -> Problem | None:
    """Intake's warning for a policy declared as a lighter kind whose text looks normative."""
    if normative:
        return None
    signals = normative_signals(meta)
    if not signals:
        return None
    return warning("kind_doubtful", f"申报为{kind}，但{'；'.join(signals)}，可能属于{normative_kind}", file=file)
