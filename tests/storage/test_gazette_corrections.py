"""更正启事 on real SQLite and real PostgreSQL: a notice in a later draft issue corrects a released
one, printed in both editions, found by the gazette search; the corrected issue never changes."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import docx
import pytest
from sqlalchemy import select

from services.gazette import issues as gazette
from services.gazette.corrections import add_correction, remove_correction
from services.gazette.search import search
from storage import audit
from storage.tables import EventRow, GazetteIssueRow
from tests.storage.test_gazette_storage import refused_codes, signed_dossier

TEXT = ("本刊2019年第8期刊登的文件第三条中“三十个工作日”应为“二十个工作日”。\r\n\r\n\r\n"
        "　　特此更正。\n")


@pytest.fixture
def corrected(db_svc, tmp_path):
    """2019-8 released with one office item (the one to correct); 2019-9 a draft with another item."""
    svc = db_svc
    wrong = signed_dossier(svc, tmp_path / "b", title="根河市驯鹿养殖补贴管理办法")
    later = signed_dossier(svc, tmp_path / "b", government=True, title="根河市冷极气象服务办法")
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [wrong], "editor")
    gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    gazette.create_issue(svc, 2019, 9, "editor")
    gazette.add_items(svc, "2019-9", [later], "editor")
    return svc, wrong, later


def _fingerprints(svc, issue: str) -> tuple:
    with svc.session() as s:
        row = s.get(GazetteIssueRow, issue)
        return row.status, row.release_date, row.print_sha256, row.web_sha256, row.row_version


def test_a_notice_in_a_later_draft_corrects_a_released_item_and_is_audited(corrected):
    svc, wrong, _ = corrected
    before = _fingerprints(svc, "2019-8")
    view = add_correction(svc, "2019-9", "2019-8", TEXT, "editor", dossier=wrong)
    assert (view.issue, view.corrects, view.dossier) == ("2019-9", "2019-8", wrong)
    assert view.title == "关于本刊2019年第8期《根河市驯鹿养殖补贴管理办法》的更正启事"
    assert view.text == "本刊2019年第8期刊登的文件第三条中“三十个工作日”应为“二十个工作日”。\n\n　　特此更正。"
    assert [c.notice for c in gazette.show_issue(svc, "2019-9").corrections] == [view.notice]
    assert gazette.show_issue(svc, "2019-8").corrected_by == []          # not until 2019-9 is out
    assert _fingerprints(svc, "2019-8") == before
    with svc.session() as s:
        event = s.scalars(select(EventRow).filter_by(name="gazette.correction.added")).one()
        assert (event.dossier_id, event.payload["notice"], event.payload["corrects"]) == (wrong, view.notice,
                                                                                          "2019-8")
        assert audit.verify(s) == []


def test_a_notice_may_name_the_issue_only_or_an_item_by_its_gazette_item_number(corrected):
    svc, wrong, _ = corrected
    whole = add_correction(svc, "2019-9", "2019-8", "封面出版日期有误。", "editor")
    assert (whole.title, whole.dossier) == ("关于本刊2019年第8期的更正启事", None)
    item = gazette.show_issue(svc, "2019-8").items[0].item
    assert add_correction(svc, "2019-9", "2019-8", "标题有误。", "editor", item=item).dossier == wrong


def test_each_rule_is_refused_with_its_code(corrected, tmp_path):
    svc, wrong, later = corrected
    add = lambda *a, **kw: refused_codes(lambda: add_correction(svc, *a, **kw))     # noqa: E731
    assert add("2019-9", "2019-8", "更正。", "drafter") == ["not_permitted"]
    assert add("2019-9", "2099-1", "更正。", "editor") == ["not_found"]
    assert add("2099-1", "2019-8", "更正。", "editor") == ["not_found"]
    assert add("2019-9", "2019-8", " \n\u3000\n", "editor") == ["request_invalid"]
    assert add("2019-9", "2019-8", "更正。", "editor", dossier="D1999-0001") == ["not_found"]
    assert add("2019-9", "2019-8", "更正。", "editor", dossier=later) == ["not_found"]     # not in 2019-8
    assert add("2019-8", "2019-9", "更正。", "editor") == ["invalid_state", "invalid_state", "invalid_state"]
    gazette.create_issue(svc, 2019, 7, "editor", total=119)
    assert add("2019-7", "2019-8", "更正。", "editor") == ["invalid_state"]              # earlier issue
    with svc.session() as s:
        assert s.scalars(select(EventRow).filter_by(name="gazette.correction.added")).all() == []


def test_a_notice_leaves_a_draft_issue_but_never_a_released_one(corrected, tmp_path):
    svc, wrong, _ = corrected
    first = add_correction(svc, "2019-9", "2019-8", "第一次更正。", "editor")
    assert refused_codes(lambda: remove_correction(svc, first.notice, "drafter")) == ["not_permitted"]
    assert remove_correction(svc, first.notice, "editor").notice == first.notice
    assert gazette.show_issue(svc, "2019-9").corrections == []
    assert refused_codes(lambda: remove_correction(svc, first.notice, "editor")) == ["not_found"]
    kept = add_correction(svc, "2019-9", "2019-8", "第二次更正。", "editor", dossier=wrong)
    gazette.release_issue(svc, "2019-9", tmp_path / "out", "editor", dt.date(2019, 9, 30))
    assert refused_codes(lambda: remove_correction(svc, kept.notice, "editor")) == ["invalid_state"]
    assert refused_codes(lambda: add_correction(svc, "2019-9", "2019-8", "再更正。", "editor")) == ["invalid_state"]
    with svc.session() as s:
        names = [e.name for e in s.scalars(select(EventRow).where(EventRow.name.like("gazette.correction.%"))
                                           .order_by(EventRow.seq))]
        assert names == ["gazette.correction.added", "gazette.correction.removed", "gazette.correction.added"]
        assert audit.verify(s) == []


def test_release_prints_the_notice_in_both_editions_and_search_finds_it(corrected, tmp_path):
    svc, wrong, later = corrected
    before = _fingerprints(svc, "2019-8")
    old_files = {p: p.read_bytes() for p in (tmp_path / "out" / "2019-8").rglob("*") if p.is_file()}
    notice = add_correction(svc, "2019-9", "2019-8", TEXT, "editor", dossier=wrong)
    done = gazette.release_issue(svc, "2019-9", tmp_path / "out", "editor", dt.date(2019, 9, 30))
    assert [c.notice for c in done.corrections] == [notice.notice]

    document = docx.Document(done.print_path)
    texts = [p.text for p in document.paragraphs]
    toc = [p.text.split("\t")[0] for p in document.paragraphs if p.style.name == "公报-目录条目"]
    assert toc[-1] == notice.title                                        # listed last in the 目录
    closing = [t for t in texts if t == "更正启事" or t.endswith("政策解读")]
    assert closing[-1] == "更正启事" and closing[-2].endswith("政策解读")   # its own section, closing the issue
    at = texts.index(notice.title, texts.index("更正启事"))
    assert texts[at + 1:at + 5] == ["本刊2019年第8期刊登的文件第三条中“三十个工作日”应为“二十个工作日”。", "特此更正。",
                                    "根河市人民政府办公室", "2019年9月30日"]

    html = Path(done.web_index).parent
    index = (html / "index.html").read_text(encoding="utf-8")
    assert f'href="corrections/{notice.notice}.html"' in index and "更正启事" in index
    page = (html / "corrections" / f"{notice.notice}.html").read_text(encoding="utf-8")
    assert "“三十个工作日”应为“二十个工作日”" in page and "特此更正。" in page
    link = f"../../../2019-8/html/items/{wrong}.html"
    assert f'href="{link}"' in page
    assert (html / "corrections" / link).resolve().is_file()            # the corrected item's page, as released

    hits = search(svc, "二十个工作日")
    assert [(h.issue, h.title, h.corrects, h.dossier) for h in hits] == [("2019-9", notice.title, "2019-8", wrong)]
    by_number = {h.issue: h for h in search(svc, number=hits[0].document_number)}
    assert set(by_number) == {"2019-8", "2019-9"}                        # the item and its correction
    assert by_number["2019-8"].corrected_by == ["2019-9"] and by_number["2019-9"].corrects == "2019-8"

    assert _fingerprints(svc, "2019-8") == before                       # the corrected issue never changes
    assert {p: p.read_bytes() for p in (tmp_path / "out" / "2019-8").rglob("*") if p.is_file()} == old_files
    assert hashlib.sha256(old_files[tmp_path / "out" / "2019-8" / "公报2019年第8期.docx"]).hexdigest() == before[2]
    assert [c.notice for c in gazette.show_issue(svc, "2019-8").corrected_by] == [notice.notice]


def test_an_issue_of_corrections_alone_can_be_released(corrected, tmp_path):
    svc, wrong, _ = corrected
    gazette.create_issue(svc, 2019, 10, "editor")
    assert refused_codes(lambda: gazette.release_issue(svc, "2019-10", tmp_path / "o", "editor")) == ["invalid_state"]
    add_correction(svc, "2019-10", "2019-8", "目录页码有误。", "editor")
    done = gazette.release_issue(svc, "2019-10", tmp_path / "o", "editor", dt.date(2019, 10, 30))
    assert done.items == [] and "目录页码有误。" in [p.text for p in docx.Document(done.print_path).paragraphs]
