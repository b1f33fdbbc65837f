"""Each docx converted once, at publication, and reused by the gazette release, on real SQLite and
PostgreSQL: what is reused is what converting would give; without it (an older Lockstep's items,
a lost object) the release converts, keeps the result and prints the same editions."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import mammoth
import pytest
from sqlalchemy import delete, select

from publishing import derived as derived_module
from publishing import mammoth_lean
from publishing.derived import HTML, TEXT, docx_sources
from publishing.docx_text import MAKER as TEXT_MAKER
from publishing.docx_text import read_text
from publishing.editions_print import print_edition
from publishing.editions import IssueContent, web_edition
from publishing.web_release import docx_html, head_texts
from services.gazette import issues as gazette
from services.gazette.items import derived, edition_items, versions_of
from storage.tables import DerivedObjectRow
from tests.storage.test_gazette_storage import signed_dossier


def _version(svc, dossier: str):
    with svc.unit() as uow:
        item = uow.gazette.latest_item(dossier)
        return versions_of(uow, [item])[item.id]


def _rows(svc) -> dict[tuple[str, str], str]:
    with svc.session() as s:
        return {(r.source_sha256, r.kind): r.object_sha256 for r in s.scalars(select(DerivedObjectRow))}


@pytest.fixture
def issue(db_svc, tmp_path):
    """Two published dossiers in draft issue 2019-8."""
    dossiers = [signed_dossier(db_svc, tmp_path / "b", "本办法自2019年9月1日起施行。"),
                signed_dossier(db_svc, tmp_path / "b", government=True)]
    gazette.create_issue(db_svc, 2019, 8, "editor", total=120)
    gazette.add_items(db_svc, "2019-8", dossiers, "editor")
    return db_svc, dossiers


def test_publication_keeps_each_documents_html_and_text_as_converting_gives_them(issue):
    svc, dossiers = issue
    rows = _rows(svc)
    for d in dossiers:
        version = _version(svc, d)
        sources = docx_sources(version)
        assert len(sources) >= 2                  # the policy and its interpretation material
        for sha in sources:
            original = svc.store.get(sha)
            html = svc.store.get(rows[(sha, HTML)]).decode("utf-8")
            assert html == mammoth.convert_to_html(io.BytesIO(original)).value
            assert svc.store.get(rows[(sha, TEXT)]) == read_text(original).to_json()
    with svc.session() as s:
        assert {(r.kind, r.maker) for r in s.scalars(select(DerivedObjectRow))} == {
            (HTML, mammoth_lean.MAKER), (TEXT, TEXT_MAKER)}


def _no_conversions(monkeypatch):
    def refuse(data):
        raise AssertionError("converted a document at release")
    monkeypatch.setattr(mammoth_lean, "convert", refuse)
    monkeypatch.setattr(derived_module, "read_text", refuse)


def test_the_release_reuses_them_and_its_pages_show_what_converting_shows(issue, tmp_path, monkeypatch):
    svc, dossiers = issue
    originals = {d: _version(svc, d) for d in dossiers}
    expected = {}
    for d, version in originals.items():
        policy = version.policy
        material = next(f for f in version.of_role("interpretation_material"))
        expected[d] = (str(docx_html(svc.store.get(policy.sha256), head_texts(policy.meta))),
                       str(docx_html(svc.store.get(material.sha256))))
    _no_conversions(monkeypatch)
    done = gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    html = Path(done.web_index).parent
    for d, (policy_html, material_html) in expected.items():
        assert policy_html and policy_html in (html / "items" / f"{d}.html").read_text(encoding="utf-8")
        assert material_html in (html / "interpretations" / f"{d}.html").read_text(encoding="utf-8")


def _contents(svc) -> tuple[bytes, dict[str, bytes]]:
    """Both editions of issue 2019-8 rendered from what the service reads, in a transaction that
    is rolled back (the release's own steps, without marking the issue released)."""
    class Rollback(Exception):
        pass
    out = {}
    try:
        with svc.unit() as uow:
            items = sorted(uow.gazette.members("2019-8"), key=lambda i: i.id)
            versions = versions_of(uow, items)
            content = IssueContent(
                city="根河市", editor="根河市人民政府办公室", year=2019, number=8, total=120,
                release_date=dt.date(2019, 8, 30), released_at=dt.datetime(2019, 8, 30, tzinfo=dt.timezone.utc),
                items=edition_items(svc, derived(uow), [("政府办公室文件", i) for i in items], versions))
            out["editions"] = (print_edition(content), web_edition(content, print_name="p.docx"))
            out["rows"] = {(r.source_sha256, r.kind) for r in uow._session.scalars(select(DerivedObjectRow))}
            raise Rollback
    except Rollback:
        pass
    return out["editions"], out["rows"]


def test_without_kept_conversions_the_release_converts_keeps_and_prints_the_same(issue, tmp_path):
    svc, dossiers = issue
    kept_rows = set(_rows(svc))
    kept_editions, _ = _contents(svc)
    with svc.session() as s:                      # as an older Lockstep left them: nothing kept
        s.execute(delete(DerivedObjectRow))
    fresh_editions, rows_made = _contents(svc)
    assert rows_made == kept_rows
    assert fresh_editions[0] == kept_editions[0]          # the print edition, byte for byte
    assert fresh_editions[1] == kept_editions[1]          # every page of the electronic edition
    gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    assert set(_rows(svc)) == kept_rows


def test_a_kept_conversion_whose_object_was_lost_is_made_again(issue, tmp_path):
    svc, dossiers = issue
    rows = _rows(svc)
    lost = rows[(_version(svc, dossiers[0]).policy.sha256, HTML)]
    svc.store.delete(lost)
    done = gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    assert done.status == "released"
    assert svc.store.exists(lost)
    assert _rows(svc) == rows
