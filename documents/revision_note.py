"""修改说明: how a resubmitted bundle answers a return, read from `修改说明.json` or from the
“修改说明” field of bundle.json. Fail closed: a shape we do not know is an error problem (the
submission is not received), never an answer silently dropped.

Accepted shapes (the reason named by its anchor, 解读：问2, or 理由N):
    {"一、（二）": "已按意见修改为…", "理由3": "已补充起草说明"}
    [{"理由": "一、（二）", "修改说明": "已按意见修改为…"}, ...]   (also "reason"/"answer")
"""
from __future__ import annotations

import json

from documents.problems import Problem, problem

NOTE_FILE = "修改说明.json"
FIELD = "修改说明"
_REASON_KEYS = ("理由", "条款", "reason")
_TEXT_KEYS = ("修改说明", "答复", "answer")


def read_note(data: bytes, where: str = NOTE_FILE) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """(reason as written, answer) pairs from the file's bytes, or error problems."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return parse_note(json.loads(data.decode(encoding)), where)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):   # nested past the reader's depth
            continue
    return (), [_bad(f"{where} 不是有效的 JSON", where)]


def parse_note(value: object, where: str = NOTE_FILE) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """(reason as written, answer) pairs from a parsed value, or error problems for unknown shapes."""
    pairs: list[tuple[str, str]] = []
    problems: list[Problem] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = []
        for i, entry in enumerate(value, 1):
            reason = _first(entry, _REASON_KEYS) if isinstance(entry, dict) else None
            text = _first(entry, _TEXT_KEYS) if isinstance(entry, dict) else None
            if reason is None or text is None or set(entry) - set(_REASON_KEYS) - set(_TEXT_KEYS):
                problems.append(_bad(f"{where} 第 {i} 项应为 {{\"理由\": \"一、（二）\", \"修改说明\": \"…\"}}", where))
                continue
            items.append((reason, text))
    else:
        return (), [_bad(f"{where} 应为“理由: 修改说明”的对应表或列表", where)]
    for reason, text in items:
        if not isinstance(reason, str) or not isinstance(text, str) or not reason.strip() or not text.strip():
            problems.append(_bad(f"{where} 中“{str(reason)[:20]}”的修改说明应为非空文字", where))
            continue
        pairs.append((reason.strip(), text.strip()))
    return tuple(pairs), problems


def _first(entry: dict, keys: tuple[str, ...]):
    found = [entry[k] for k in keys if k in entry]
    return found[0] if len(found) == 1 else None


def _bad(detail: str, where: str) -> Problem:
    return problem("revision_note_invalid", detail, file=where)
