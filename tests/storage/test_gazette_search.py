"""The gazette database search on real SQLite (FTS5 trigram) and real PostgreSQL (pg_trgm):
released items only, never a not-public document, by text, number, organ and date."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select, text

from services.gazette import issues as gazette
from services.home.context import initialise
from services.gazette.search import search
from services.home.folder import Home
from storage.tables import GazetteItemRow
from tests.storage.test_gazette_storage import mark_not_public, signed_dossier



def _number(svc, dossier: str) -> str:
    with svc.session() as s:
        return s.scalars(select(GazetteItemRow.doc_number).filter_by(dossier_id=dossier)).one()


@pytest.fixture
def gazette_db(db_svc, tmp_path):
    """Issue 2019-8 released (an office item with 驯鹿 in its text, a government item);
    issue 2019-9 still a draft with a third item."""
    office = signed_dossier(db_svc, tmp_path / "b", "本办法适用于驯鹿养殖户的补贴申领。", date_text="2019年8月5日",
                            title="根河市林区防火补贴管理办法")
    government = signed_dossier(db_svc, tmp_path / "b", government=True, date_text="2019年8月25日",
                                title="根河市冷极气象服务办法")
    draft = signed_dossier(db_svc, tmp_path / "b", date_text="2019年8月10日", title="根河市冰雪旅游促进办法")
    gazette.create_issue(db_svc, 2019, 8, "editor")
    gazette.add_items(db_svc, "2019-8", [office, government], "editor")
    gazette.release_issue(db_svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    gazette.create_issue(db_svc, 2019, 9, "editor")
    gazette.add_items(db_svc, "2019-9", [draft], "editor")
    return db_svc, {"office": office, "government": government, "draft": draft}


def _dossiers(hits) -> set[str | None]:
    return {h.dossier for h in hits}


def test_a_chinese_substring_of_three_or_more_characters_matches_title_and_full_text(gazette_db):
    svc, d = gazette_db
    assert _dossiers(search(svc, "防火补贴")) == {d["office"]}             # in the title
    hits = search(svc, "养殖户的补贴")                                      # in the body only
    assert _dossiers(hits) == {d["office"]}
    assert hits[0].issue == "2019-8" and "养殖户的补贴" in hits[0].snippet
    assert "《根河市林区防火补贴管理办法》" in hits[0].title and hits[0].organ == "根河市人民政府办公室"
    assert search(svc, "没有这段文字") == []


def test_a_two_character_query_falls_back_to_a_substring_match(gazette_db):
    svc, d = gazette_db
    assert _dossiers(search(svc, "驯鹿")) == {d["office"]}
    assert _dossiers(search(svc, "冷极")) == {d["government"]}
    assert search(svc, "鹿驯") == []


def test_search_by_document_number_whole_or_in_part(gazette_db):
    svc, d = gazette_db
    number = _number(svc, d["government"])
    assert _dossiers(search(svc, number=number)) == {d["government"]}
    assert [h.document_number for h in search(svc, number=number)] == [number]
    assert _dossiers(search(svc, number="根政办发")) == {d["office"]}
    assert _dossiers(search(svc, number="〔2019〕")) == {d["office"], d["government"]}


def test_search_by_organ_matches_part_of_the_organ_name(gazette_db):
    svc, d = gazette_db
    assert _dossiers(search(svc, organ="人民政府办公室")) == {d["office"]}
    assert _dossiers(search(svc, organ="根河市人民政府")) == {d["office"], d["government"]}


def test_search_by_date_range_is_inclusive_and_combines_with_text(gazette_db):
    svc, d = gazette_db
    assert _dossiers(search(svc, date_from=dt.date(2019, 8, 20))) == {d["government"]}
    assert _dossiers(search(svc, date_to=dt.date(2019, 8, 5))) == {d["office"]}
    assert _dossiers(search(svc, date_from=dt.date(2019, 8, 5), date_to=dt.date(2019, 8, 25))) == \
        {d["office"], d["government"]}
    assert search(svc, "防火补贴", date_from=dt.date(2019, 8, 6)) == []
    assert [h.date for h in search(svc)] == [dt.date(2019, 8, 25), dt.date(2019, 8, 5)]     # newest first


def test_items_of_an_unreleased_issue_are_not_found(gazette_db):
    svc, d = gazette_db
    assert search(svc, "冰雪旅游") == []
    assert d["draft"] not in _dossiers(search(svc))


def test_a_document_marked_not_public_after_release_never_appears(gazette_db):
    svc, d = gazette_db
    mark_not_public(svc, d["office"])
    assert search(svc, "防火补贴") == []
    assert search(svc, "驯鹿") == []
    assert _dossiers(search(svc)) == {d["government"]}


def test_postgresql_search_has_the_pg_trgm_gin_index(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", pg_url)
    _, svc = initialise(Home(tmp_path / "home"))
    try:
        with svc.engine.connect() as c:
            assert c.scalar(text("select count(*) from pg_extension where extname = 'pg_trgm'")) == 1
            index = c.scalar(text("select indexdef from pg_indexes where indexname = 'ix_gazette_search_trgm'"))
            assert "gin" in index and "gin_trgm_ops" in index
    finally:
        from services.home import context as context
        context._engines.pop(svc.home.database_url, None)
        svc.engine.dispose()


@pytest.mark.parametrize("db_svc", ["postgresql"], indirect=True)
def test_postgresql_search_answers_without_the_trigram_index(gazette_db):
    """Where pg_trgm could not be created the migration leaves the index out; ILIKE still answers."""
    svc, d = gazette_db
    assert svc.engine.dialect.name == "postgresql"
    with svc.engine.begin() as c:
        c.execute(text("drop index ix_gazette_search_trgm"))
    assert _dossiers(search(svc, "养殖户的补贴")) == {d["office"]}
    assert _dossiers(search(svc, "驯鹿")) == {d["office"]}


def test_indexing_an_item_again_rewrites_its_row(gazette_db):
    from storage import search as index
    svc, d = gazette_db
    doc = index.SearchDoc(key="imported:demo", issue="2019-8", dossier=None, title="根河市驯鹿保护办法",
                          document_number=None, organ="根河市人民政府", date=dt.date(2019, 8, 1), body="第一稿")
    with svc.session() as s:
        index.index_item(s, doc)
        index.index_item(s, dataclasses.replace(doc, body="第二稿正文"))
    with svc.session() as s:
        rows = s.execute(text("SELECT body FROM gazette_search WHERE item_key = 'imported:demo'")).all()
    assert [r[0] for r in rows] == ["第二稿正文"]
