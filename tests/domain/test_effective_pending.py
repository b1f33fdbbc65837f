"""施行 after 公报 as plain values: the intake finding, the register's 待施行, the gazette's refusal."""
from __future__ import annotations

import datetime as dt

from documents.effective import effective_missing, find_effective, states_effective
from documents.extract import inspect_docx
from publishing import register_rules as rules
from publishing.gazette_rules import ItemFacts, admission_problems
from publishing.register_rules import EntryFacts, annual_figures
from tests.domain.docx_factory import Line, build, index_of, policy_lines

D = dt.date


def _policy(sentence: str | None) -> bytes:
    lines = policy_lines()
    if sentence:
        lines.insert(index_of(lines, "附件"), Line(sentence))
    return build(lines)


# ---------------------------------------------------------------- intake finding

def test_effective_date_missing_is_a_warning_for_a_normative_policy_without_a_shi_xing_clause():
    found = effective_missing("政策.docx", False, normative=True)
    assert found is not None and found.code == "effective_date_missing" and found.severity == "warning"
    assert found.file == "政策.docx" and "施行" in found.message


def test_effective_date_missing_is_not_reported_for_a_clause_a_policy_kind_or_an_unread_text():
    assert effective_missing("政策.docx", True, normative=True) is None
    assert effective_missing("政策.docx", False, normative=False) is None      # 政策性文件: no gazette rule
    assert effective_missing("政策.docx", None, normative=True) is None        # not read: no guess


def test_every_way_of_stating_it_counts_as_a_clause():
    for sentence in ("本办法自2019年9月1日起施行。", "本通知自印发之日起施行。", "本规定自发布之日起实施。",
                     "本办法自二〇一九年十月一日起施行。"):
        assert states_effective(find_effective([sentence])), sentence
    assert not states_effective(find_effective(["请结合实际，认真贯彻落实。"]))


def test_the_docx_reader_records_whether_the_policy_states_its_effective_date():
    without = inspect_docx("根政办发〔2019〕36号.docx", _policy(None)).metadata
    with_clause = inspect_docx("根政办发〔2019〕36号.docx", _policy("本办法自2019年9月1日起施行。")).metadata
    assert (without.effective_stated, with_clause.effective_stated) == (False, True)


# ---------------------------------------------------------------- register: 待施行

def test_a_normative_document_without_a_clause_has_no_effective_date_until_its_gazette_issue():
    assert rules.effective_at_publication((), D(2019, 8, 5), D(2019, 8, 6), normative=True) is None
    on_release = find_effective(["本办法自发布之日起施行。"])        # its 发布 is the gazette's
    assert rules.effective_at_publication(on_release, D(2019, 8, 5), D(2019, 8, 6), normative=True) is None
    assert rules.status_for(None, D(2030, 1, 1)) == "pending"


def test_a_stated_date_is_kept_and_a_policy_document_keeps_the_publish_day():
    stated = find_effective(["本办法自2019年9月1日起施行。"])
    assert rules.effective_at_publication(stated, D(2019, 8, 5), D(2019, 8, 6), normative=True) == D(2019, 9, 1)
    assert rules.effective_at_publication((), D(2019, 8, 5), D(2019, 8, 6), normative=False) == D(2019, 8, 6)


def test_on_release_the_effective_date_is_the_issue_date_unless_the_text_says_later():
    assert rules.effective_on_release((), D(2019, 8, 5), D(2019, 8, 30)) == D(2019, 8, 30)
    assert rules.effective_on_release(find_effective(["自发布之日起施行"]), None, D(2019, 8, 30)) == D(2019, 8, 30)
    later = find_effective(["本办法自2019年9月1日起施行。"])
    assert rules.effective_on_release(later, None, D(2019, 8, 30)) == D(2019, 9, 1)


def test_pending_becomes_in_force_on_the_day_and_not_before():
    day = D(2019, 8, 30)
    assert rules.status_for(day, D(2019, 8, 29)) == "pending"
    assert rules.status_for(day, day) == "in_force"
    assert not rules.takes_effect("pending", day, D(2019, 8, 29))
    assert rules.takes_effect("pending", day, day) and rules.takes_effect("pending", day, D(2019, 9, 3))
    assert not rules.takes_effect("pending", None, D(2099, 1, 1))      # the gazette has not fixed it yet
    assert not rules.takes_effect("repealed", day, day)


def test_pending_is_named_dai_shi_xing_and_is_neither_in_force_nor_final():
    assert rules.STATUS_NAMES["pending"] == "待施行"
    assert "pending" not in rules.IN_FORCE and "pending" not in rules.FINAL
    assert not rules.expires("pending", D(2019, 1, 1), D(2030, 1, 1))
    assert not rules.expires("in_force", None, D(2030, 1, 1))


def test_a_pending_document_is_not_counted_in_force_in_the_annual_figures():
    pending = EntryFacts(registration_number="A", published=D(2019, 8, 5), valid_until=None, pending=True)
    later = EntryFacts(registration_number="B", published=D(2019, 12, 1), effective=D(2020, 1, 1),
                       valid_until=D(2024, 12, 31))
    done = EntryFacts(registration_number="C", published=D(2019, 8, 5), effective=D(2019, 8, 30),
                      valid_until=D(2024, 8, 29))
    figures = {f.key: f.value for f in annual_figures([pending, later, done], 2019)}
    assert (figures["made"], figures["in_force"], figures["expired"]) == (3, 1, 0)


# ---------------------------------------------------------------- gazette: refused at add

def _facts(sentence: str | None, **kw) -> ItemFacts:
    return ItemFacts(item_id=1, dossier="D2019-0001", title="根河市政务公开办法", kind="行政规范性文件",
                     normative=True, organ="根河市人民政府", signed_date=D(2019, 8, 5), disclosure="主动公开",
                     effective=find_effective([sentence] if sentence else []), **kw)


def test_add_refuses_a_stated_date_before_the_issue_date_with_effective_before_gazette():
    codes = [p.code for p in admission_problems([_facts("本办法自2019年8月1日起施行。")], D(2019, 8, 30))]
    assert codes == ["effective_before_gazette"]


def test_a_document_without_a_clause_is_never_refused_for_its_effective_date():
    for release in (D(2019, 8, 6), D(2019, 8, 30), D(2030, 1, 1)):
        assert admission_problems([_facts(None)], release) == []
