"""The gazette's rules as plain values: 施行日期, sections and order, running totals, admission."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from documents.effective import EffectivePhrase, earliest_effective, find_effective
from publishing.editions import fingerprint, manifest
from publishing.gazette_rules import (SECTIONS, ItemFacts, admission_problems, effective_too_early, next_total,
                                      not_public, ordered, section_of)

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


def facts(n: int = 1, **kw) -> ItemFacts:
    base = dict(item_id=n, dossier=f"D2019-{n:04d}", title=f"文件{n}", kind="行政规范性文件", normative=True,
                organ="根河市人民政府", signed_date=D(2019, 8, 5))
    return ItemFacts(**{**base, **kw})


# ---------------------------------------------------------------- 施行日期


@pytest.mark.parametrize("text, expected", [
    ("本办法自2019年9月1日起施行。", EffectivePhrase(basis="date", date=D(2019, 9, 1), text="自2019年9月1日起施行")),
    ("本规定自2019年9月1日起实施，有效期5年。", EffectivePhrase(basis="date", date=D(2019, 9, 1),
                                                 text="自2019年9月1日起实施")),
    ("本办法自 2019 年 9 月 1 日起施行。", EffectivePhrase(basis="date", date=D(2019, 9, 1), text="自2019年9月1日起施行")),
    ("本办法自二〇一九年十月十二日起施行。", EffectivePhrase(basis="date", date=D(2019, 10, 12),
                                                text="自二〇一九年十月十二日起施行")),
    ("本通知自印发之日起施行。", EffectivePhrase(basis="signed", text="自印发之日起施行")),
    ("本办法自发布之日起施行。", EffectivePhrase(basis="release", text="自发布之日起施行")),
    ("本决定自公布之日起实施。", EffectivePhrase(basis="release", text="自公布之日起实施")),
])
def test_effective_phrases_are_read_in_the_ways_offices_write_them(text, expected):
    assert find_effective([text]) == (expected,)


def test_text_without_an_effective_phrase_gives_none_and_an_impossible_date_is_ignored():
    assert find_effective(["请结合实际，认真贯彻执行。", "本办法自2019年2月30日起施行。"]) == ()


def test_signed_means_the_signed_date_release_means_the_release_date_and_the_earliest_counts():
    phrases = find_effective(["本通知自印发之日起施行。", "本办法自2019年9月1日起施行。", "自发布之日起施行"])
    assert earliest_effective(phrases, D(2019, 8, 5), D(2019, 8, 30))[0] == D(2019, 8, 5)
    assert earliest_effective(find_effective(["自发布之日起施行"]), None, D(2019, 8, 30))[0] == D(2019, 8, 30)
    assert earliest_effective(find_effective(["自印发之日起施行"]), None, D(2019, 8, 30)) is None


# ---------------------------------------------------------------- sections and order


@pytest.mark.parametrize("kw, section", [
    (dict(organ="根河市人民政府", banner="根河市人民政府文件"), "本级政府行政规范性文件"),
    (dict(kind="重大行政决策", organ="根河市人民政府"), "本级政府行政规范性文件"),
    (dict(organ="根河市人民政府办公室", banner="根河市人民政府办公室文件"), "政府办公室文件"),
    (dict(organ="根河市人民政府", banner="根河市人民政府办公室文件"), "政府办公室文件"),
    (dict(organ="根河市政务服务局"), "部门行政规范性文件"),
    (dict(kind="政策性文件", normative=False, organ="根河市人民政府"), "本级政府文件"),
    (dict(kind="政策性文件", normative=False, organ="根河市教育局"), "部门文件"),
    (dict(kind="政府规章"), "本级政府规章"),
    (dict(kind="人事任免", normative=False), "人事任免"),
])
def test_the_section_follows_the_kind_and_the_issuing_organ(kw, section):
    assert section_of(facts(**kw)) == section


def test_items_are_ordered_by_section_then_date_and_interpretations_close_the_issue():
    items = [facts(1, organ="根河市政务服务局", signed_date=D(2019, 8, 1)),
             facts(2, organ="根河市人民政府办公室", signed_date=D(2019, 8, 2)),
             facts(3, signed_date=D(2019, 8, 20)),
             facts(4, signed_date=D(2019, 8, 3)),
             facts(5, signed_date=None)]
    assert [f.item_id for _, f in ordered(items)] == [4, 3, 5, 1, 2]
    assert SECTIONS[-1] == "政策解读"


def test_the_running_total_starts_at_one_and_follows_the_previous_issue():
    assert (next_total(None), next_total(119)) == (1, 120)


# ---------------------------------------------------------------- admission


def test_a_normative_document_effective_before_the_release_date_is_refused_naming_it_and_the_dates():
    late = facts(1, doc_number="根政发〔2019〕12号", effective=find_effective(["本办法自2019年8月1日起施行。"]))
    [p] = effective_too_early([late], D(2019, 8, 30))
    assert p.code == "effective_before_gazette"
    assert "根政发〔2019〕12号" in p.message and "2019年8月1日" in p.message and "2019年8月30日" in p.message


def test_effective_on_or_after_the_release_date_or_on_publication_is_allowed():
    items = [facts(1, effective=find_effective(["自2019年8月30日起施行"])),
             facts(2, effective=find_effective(["自2019年9月1日起施行"])),
             facts(3, effective=find_effective(["自发布之日起施行"])),
             facts(4)]
    assert effective_too_early(items, D(2019, 8, 30)) == []


def test_from_the_signing_date_is_before_a_later_gazette_and_refused():
    item = facts(1, signed_date=D(2019, 8, 5), effective=find_effective(["本通知自印发之日起施行。"]))
    assert [p.code for p in effective_too_early([item], D(2019, 8, 30))] == ["effective_before_gazette"]


def test_a_document_that_is_not_normative_is_not_held_to_the_effective_rule():
    item = facts(1, kind="政策性文件", normative=False, effective=find_effective(["自2019年8月1日起施行"]))
    assert effective_too_early([item], D(2019, 8, 30)) == []


def test_a_not_public_item_is_refused_whatever_the_date():
    items = [facts(1, disclosure="不予公开"), facts(2, disclosure="主动公开")]
    assert [p.code for p in not_public(items)] == ["not_public"]
    assert [p.code for p in admission_problems(items, None)] == ["not_public"]


# ---------------------------------------------------------------- editions


def test_the_web_fingerprint_is_the_sha256_of_the_folder_manifest_and_changes_with_any_file():
    files = {"index.html": b"a", "items/D1.html": b"b"}
    assert manifest(files) == manifest(dict(reversed(files.items())))
    assert fingerprint(files) != fingerprint({**files, "items/D1.html": b"c"})


def test_the_print_template_is_built_reproducibly_by_the_script():
    from publishing.editions_print import default_template
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gazette_template
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert gazette_template.build_gazette_template() == default_template(), \
        "templates/gazette_print.docx is stale: run python scripts/make_templates.py"
