"""Gazette issues on real SQLite and the folder object store: numbering, order, the rules, release."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from sqlalchemy import select

from documents.problems import Refused
from samples.genhe import bundle_files
from services.gazette import issues as gazette
from storage import audit
from storage.tables import DossierRow, EventRow, GazetteIssueRow, GazetteItemRow

_serial = itertools.count(1)


def _with_sentence(policy: bytes, sentence: str) -> bytes:
    """The policy with one more sentence before its 附件 line, where offices write 施行日期."""
    d = docx.Document(io.BytesIO(policy))
    target = next(p for p in d.paragraphs if p.text.startswith("附件"))
    target.insert_paragraph_before(sentence, style=target.style)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def signed_dossier(svc, folder: Path, sentence: str | None = None, *, government: bool = False,
                   date_text: str = "2019年8月5日", title: str | None = None) -> str:
    """A dossier taken in, approved, signed and published with the services (no Prefect)."""
    from services.dossiers.intake import intake_bundle
    from services.publication.publish import publish
    from services.review.actions import record_decision, record_sign_off
    n = next(_serial)
    code, organ = ("根政发", "根河市人民政府") if government else ("根政办发", "根河市人民政府办公室")
    files = bundle_files("complete", doc_number=f"{code}〔2019〕{n}号", organ=organ, date_text=date_text,
                         inner_title=title or f"根河市第{n}号政务公开办法")
    if sentence:
        name = next(k for k in files if k.startswith(code))
        files[name] = _with_sentence(files[name], sentence)
    path = folder / f"bundle-{n}.zip"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    d = result.dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    assert publish(svc, d).published
    return d


_issue_serial = itertools.count(31)      # issue numbers no test names itself


def lately(days: int = 30) -> str:
    """A 成文日期 `days` ago, as an office writes it: a document signed then and in force from then is still
    valid today (a 2019 one lapsed in 2024, and every surface shows the status as of today)."""
    day = dt.date.today() - dt.timedelta(days=days)
    return f"{day.year}年{day.month}月{day.day}日"


def gazetted(svc, out: Path, *dossiers: str, day: dt.date | None = None) -> list[str]:
    """Each published dossier in a released gazette issue of its own, out on the day its text says it takes
    effect (or its 成文日期, or today, when it names none; or on `day`): a normative document is in force
    only once an issue carries it (DESIGN.md rule 7, 公布前不得施行). Returns the issues, in order."""
    from services.register.life import list_entries
    entries = {e.dossier: e for e in list_entries(svc)}
    issues = []
    for d in dossiers:
        e = entries[d]
        on = day or e.effective_date or e.signed_date or svc.now().astimezone().date()
        number = next(_issue_serial)
        issue = gazette.create_issue(svc, on.year, number, "editor", total=900 + number).issue
        gazette.add_items(svc, issue, [d], "editor")
        gazette.release_issue(svc, issue, out / f"gazette-{issue}", "editor", on, pdf=False)
        issues.append(issue)
    return issues


def in_force_dossier(svc, folder: Path, **kw) -> str:
    """A normative document in force today: its text names a 施行日期 a month ago, and a released gazette
    issue out that day carries it (rule 7); valid for five years from then."""
    d = signed_dossier(svc, folder, f"本办法自{lately()}起施行。", **kw)
    gazetted(svc, folder / "gazette", d)
    return d


def refused_codes(call) -> list[str]:
    with pytest.raises(Refused) as r:
        call()
    return [p.code for p in r.value.problems]


def mark_not_public(svc, dossier: str) -> None:
    with svc.session() as s:
        s.get(DossierRow, dossier).disclosure = "不予公开"


# ---------------------------------------------------------------- numbering


def test_the_first_issue_is_total_one_and_the_next_runs_on_from_the_previous_total(svc):
    assert gazette.create_issue(svc, 2019, 1, "editor").total == 1
    assert gazette.create_issue(svc, 2019, 7, "editor", total=119).total == 119
    assert gazette.create_issue(svc, 2019, 8, "editor").total == 120
    assert [v.issue for v in gazette.list_issues(svc)] == ["2019-1", "2019-7", "2019-8"]


def test_an_issue_number_is_used_once_a_year_and_a_running_total_once_ever(svc):
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    assert refused_codes(lambda: gazette.create_issue(svc, 2019, 8, "editor")) == ["invalid_state"]
    assert refused_codes(lambda: gazette.create_issue(svc, 2019, 9, "editor", total=120)) == ["invalid_state"]


def test_only_a_gazette_editor_assembles_issues(svc):
    assert refused_codes(lambda: gazette.create_issue(svc, 2019, 8, "drafter")) == ["not_permitted"]
    assert refused_codes(lambda: gazette.create_issue(svc, 2019, 8, "nobody")) == ["unknown_person"]


# ---------------------------------------------------------------- order


def test_items_are_ordered_by_section_then_date(svc, tmp_path):
    office_late = signed_dossier(svc, tmp_path, date_text="2019年8月20日")
    office_early = signed_dossier(svc, tmp_path, date_text="2019年8月1日")
    government = signed_dossier(svc, tmp_path, government=True, date_text="2019年8月25日")
    gazette.create_issue(svc, 2019, 8, "editor")
    view = gazette.add_items(svc, "2019-8", [office_late, office_early, government], "editor")
    assert [(i.section, i.dossier) for i in view.items] == [
        ("本级政府行政规范性文件", government), ("政府办公室文件", office_early), ("政府办公室文件", office_late)]
    assert [i.position for i in view.items] == [1, 2, 3]


def test_an_item_enters_one_issue_only_and_leaves_the_queue(svc, tmp_path):
    d = signed_dossier(svc, tmp_path)
    gazette.create_issue(svc, 2019, 8, "editor")
    gazette.create_issue(svc, 2019, 9, "editor")
    gazette.add_items(svc, "2019-8", [d], "editor")
    assert [i.dossier_id for i in gazette.queue(svc)] == []
    assert refused_codes(lambda: gazette.add_items(svc, "2019-9", [d], "editor")) == ["invalid_state"]
    assert refused_codes(lambda: gazette.add_items(svc, "2019-9", ["D1999-0001"], "editor")) == ["not_found"]


# ---------------------------------------------------------------- gazette before effect


def test_add_refuses_a_normative_document_effective_before_the_planned_date(svc, tmp_path):
    early = signed_dossier(svc, tmp_path, "本办法自2019年8月1日起施行。")
    gazette.create_issue(svc, 2019, 8, "editor", planned=dt.date(2019, 8, 30))
    with pytest.raises(Refused) as r:
        gazette.add_items(svc, "2019-8", [early], "editor")
    assert [p.code for p in r.value.problems] == ["effective_before_gazette"]
    assert early in r.value.problem.message and "2019年8月1日" in r.value.problem.message
    assert gazette.show_issue(svc, "2019-8").items == []


def test_add_accepts_a_document_effective_on_or_after_the_planned_date(svc, tmp_path):
    on_time = signed_dossier(svc, tmp_path, "本办法自2019年8月30日起施行。")
    later = signed_dossier(svc, tmp_path, "本办法自2019年9月1日起实施。")
    on_release = signed_dossier(svc, tmp_path, "本办法自发布之日起施行。")
    gazette.create_issue(svc, 2019, 8, "editor", planned=dt.date(2019, 8, 30))
    assert len(gazette.add_items(svc, "2019-8", [on_time, later, on_release], "editor").items) == 3


def test_release_refuses_when_the_release_date_passes_the_effective_date(svc, tmp_path):
    d = signed_dossier(svc, tmp_path, "本办法自2019年9月1日起施行。")
    signed_day = signed_dossier(svc, tmp_path, "本通知自印发之日起施行。")     # 成文日期 2019年8月5日
    gazette.create_issue(svc, 2019, 8, "editor")
    gazette.add_items(svc, "2019-8", [d, signed_day], "editor")
    with pytest.raises(Refused) as r:
        gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 9, 2))
    assert [p.code for p in r.value.problems] == ["effective_before_gazette"] * 2
    assert not (tmp_path / "out" / "2019-8").exists()
    assert gazette.show_issue(svc, "2019-8").status == "draft"


# ---------------------------------------------------------------- not public


def test_a_not_public_item_is_refused_at_add(svc, tmp_path):
    d = signed_dossier(svc, tmp_path)
    mark_not_public(svc, d)      # reclassified after publication: the queue still has its item
    gazette.create_issue(svc, 2019, 8, "editor")
    assert refused_codes(lambda: gazette.add_items(svc, "2019-8", [d], "editor")) == ["not_public"]


def test_a_not_public_item_is_refused_at_release(svc, tmp_path):
    d = signed_dossier(svc, tmp_path)
    gazette.create_issue(svc, 2019, 8, "editor")
    gazette.add_items(svc, "2019-8", [d], "editor")
    mark_not_public(svc, d)
    assert refused_codes(lambda: gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor",
                                                       dt.date(2019, 8, 30))) == ["not_public"]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# ---------------------------------------------------------------- release


@pytest.fixture
def released(svc, tmp_path):
    office = signed_dossier(svc, tmp_path, "本办法自2019年9月1日起施行。")
    government = signed_dossier(svc, tmp_path, government=True)
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [office, government], "editor")
    done = gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    return done, [government, office]


def test_a_released_issue_is_immutable(svc, tmp_path, released):
    d = signed_dossier(svc, tmp_path)
    assert refused_codes(lambda: gazette.add_items(svc, "2019-8", [d], "editor")) == ["invalid_state"]
    assert refused_codes(lambda: gazette.release_issue(svc, "2019-8", tmp_path / "again", "editor")) \
        == ["invalid_state"]


def test_release_writes_both_editions_and_records_fingerprints_that_match_the_files(svc, released):
    from publishing.editions import fingerprint
    done, dossiers = released
    folder = Path(done.folder)
    docx_bytes = (folder / "公报2019年第8期.docx").read_bytes()
    pages = {p.relative_to(folder / "html").as_posix(): p.read_bytes()
             for p in (folder / "html").rglob("*") if p.is_file()}
    with svc.session() as s:
        row = s.get(GazetteIssueRow, "2019-8")
        assert (row.status, row.release_date) == ("released", dt.date(2019, 8, 30))
        assert row.released_at is not None
        assert row.print_sha256 == hashlib.sha256(docx_bytes).hexdigest()
        assert row.web_sha256 == fingerprint(pages)
        assert {i.status for i in s.scalars(select(GazetteItemRow))} == {"in_issue"}
        released_event = s.scalars(select(EventRow).filter_by(name="gazette.issue.released")).one()
        assert released_event.payload["print_sha256"] == row.print_sha256
        assert audit.verify(s) == []
    assert svc.store.get(done.print_sha256) == docx_bytes
    assert all(svc.store.exists(hashlib.sha256(data).hexdigest()) for data in pages.values())
    assert svc.store.exists(done.web_sha256)


def test_the_print_edition_opens_and_its_toc_lists_every_item_with_page_references(released):
    done, dossiers = released
    document = docx.Document(done.print_path)
    section = document.sections[0]
    assert (round(section.top_margin.mm), round(section.bottom_margin.mm),
            round(section.left_margin.mm), round(section.right_margin.mm)) == (37, 35, 28, 26)
    texts = [p.text for p in document.paragraphs]
    assert "根河市人民政府公报" in texts and "2019年第8期（总第120期）" in texts
    assert "出版日期：2019年8月30日" in texts
    toc = [p for p in document.paragraphs if p.style.name == "公报-目录条目"]
    titles = [i.title for i in done.items]
    assert [p.text.split("（")[0].split("\t")[0] for p in toc[::2]] == titles
    assert len(toc) == 2 * len(titles)           # each item, then its interpretation
    body = document.element.body
    bookmarks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    refs = [re.search(r"PAGEREF (\S+)", t.text).group(1) for t in body.iter(qn("w:instrText"))
            if "PAGEREF" in t.text]
    assert {"item1", "item2", "interp1", "interp2"} <= set(refs) and set(refs) <= bookmarks
    heads = [p.text for p in document.paragraphs if p.style.name == "公报-标题"]
    assert heads[::2] == titles and all(h.endswith("》政策解读") for h in heads[1::2])  # each one's after it


def test_the_html_index_links_every_item_and_each_item_page_links_its_interpretation(released):
    done, dossiers = released
    html = Path(done.web_index).parent
    index = (html / "index.html").read_text(encoding="utf-8")
    for d in dossiers:
        assert f'href="items/{d}.html"' in index and f'href="interpretations/{d}.html"' in index
        item = (html / "items" / f"{d}.html").read_text(encoding="utf-8")
        assert f'href="../interpretations/{d}.html"' in item
        interpretation = (html / "interpretations" / f"{d}.html").read_text(encoding="utf-8")
        assert f'href="../items/{d}.html"' in interpretation
    assert index.index(dossiers[0]) < index.index(dossiers[1])      # the print edition's order
