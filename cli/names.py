"""Stages, roles and material roles by their Chinese names: what the CLI prints, and what it accepts.

People type 合法性审核 or 风险评估; the services take ids (legality, risk_assessment). Each `*_id`
maps a Chinese name (or the id itself) to the id, and refuses anything else as a usage error (exit 2)
that lists the valid names. JSON output keeps the ids (DESIGN.md, "Fields other tools rely on").
"""
from __future__ import annotations

import re

import typer

from documents.models import ROLE_NAMES as MATERIAL_NAMES
from review.config import ROLE_NAMES, Config

# Shorter names offices also use for a material role (documents/bundle.py reads file names likewise).
MATERIAL_ALIASES = {
    "风险评估": "risk_assessment", "风险评估报告": "risk_assessment", "舆情风险评估报告": "risk_assessment",
    "应对预案": "response_plan", "处置预案": "response_plan", "舆情应对处置预案": "response_plan",
    "政策原文": "policy", "一图读懂": "graphic_interpretation", "图解": "graphic_interpretation",
    "征求意见": "consultation", "其他": "other",
}


def _norm(text: str) -> str:
    return "".join(text.split())


def _choose(text: str, names: dict[str, str], aliases: dict[str, str], option: str, what: str) -> str:
    """names: id → 中文名. The id for text (an id, a name or an alias), or a usage error."""
    t = _norm(text)
    if t in names:
        return t
    by_name = {_norm(v): k for k, v in names.items()} | {_norm(k): v for k, v in aliases.items()}
    if t in by_name:
        return by_name[t]
    if t.lower() in names:
        return t.lower()
    valid = "、".join(names.values())
    raise typer.BadParameter(f"没有{what} {text}（可用：{valid}）", param_hint=f"'{option}'")


def material_role_id(text: str, option: str = "--role") -> str:
    return _choose(text, MATERIAL_NAMES, MATERIAL_ALIASES, option, "材料角色")


def person_role_id(text: str, option: str = "--role") -> str:
    return _choose(text, ROLE_NAMES, {}, option, "角色")


def register_status_id(text: str, option: str = "--status") -> str:
    """A register entry's status (台帐状态) by its Chinese name (现行有效) or its id (in_force)."""
    from review.lifecycles import REGISTER_ENTRY
    return _choose(text, REGISTER_ENTRY.states, {}, option, "台帐状态")


def stage_names(config: Config) -> dict[str, str]:
    """id → 中文名 of every stage in the config's pipelines (the first name wins for a shared id)."""
    names: dict[str, str] = {}
    for pipeline in config.pipelines:
        for stage in pipeline.stages:
            names.setdefault(stage.id, stage.name)
    return names


def stage_id(config: Config, text: str, option: str = "--stage") -> str:
    names = stage_names(config)
    aliases = {}                        # every pipeline's name for it, also without its （高风险）
    for p in config.pipelines:
        for s in p.stages:
            aliases[s.name] = s.id
            aliases.setdefault(re.sub(r"（[^（）]*）$", "", s.name), s.id)
    return _choose(text, names, aliases, option, "审核环节")


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


def material_name(role: str) -> str:
    return MATERIAL_NAMES.get(role, role)


def stage_name(config: Config | None, stage: str) -> str:
    return stage_names(config).get(stage, stage) if config is not None else stage


def who_acts(config: Config | None, roles, unit: str | None = None, same_unit: bool = False) -> str:
    """合法性审核人员（reviewer）、…: each role by name, with the people holding it (login names, at
    most three), only those of the drafting unit for a stage its own unit checks."""
    parts = []
    for r in roles:
        people = []
        if config is not None and not (same_unit and unit is None):
            people = [p.name for p in config.people if r in p.roles
                      and (not same_unit or p.unit == unit)]
        shown = "、".join(people[:3]) + ("等" if len(people) > 3 else "")
        parts.append(role_name(r) + (f"（{shown}）" if shown else ""))
    return "、".join(parts)
