"""One is_public (issue 11, item 1): review.rules.is_public decides every public output, and the
database asks the same question (storage/public.py). A dossier whose 公开属性 is NULL, 不予公开 or
anything unplaced, or that was withheld, is refused or left out by each public output."""
from __future__ import annotations

import datetime as dt
import itertools
import zipfile

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy import text as sql

from documents.problems import Refused
from review.rules import PUBLIC_DISCLOSURES, is_public
from storage.public import PUBLIC_PARAMS, dossier_public, public_dossier, public_sql
from storage.tables import DossierRow
from tests.storage.test_gazette_storage import signed_dossier

NOW = dt.datetime(2019, 9, 1, tzinfo=dt.timezone.utc)
DISCLOSURES = st.one_of(st.none(), st.sampled_from([*PUBLIC_DISCLOSURES, "不予公开", "", " 主动公开", "主动公开 ",
                                                    "公开", "不公开", "依申请", "主动公开。", "NULL", "'; --"]),
                        st.text(max_size=8))
_ids = itertools.count(1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(disclosure=DISCLOSURES, withheld=st.booleans())
def test_the_sql_clause_the_sql_fragment_and_is_public_agree(svc, disclosure, withheld):
    dossier = f"P{next(_ids):06d}"
    with svc.session() as s:
        s.add(DossierRow(id=dossier, kind="行政规范性文件", title="t", drafting_unit="u", state="published",
                         current_version=1, disclosure=disclosure, withheld_at=NOW if withheld else None,
                         created_at=NOW, updated_at=NOW))
    with svc.session() as s:
        by_clause = s.scalar(select(DossierRow.id).where(DossierRow.id == dossier, public_dossier(DossierRow)))
        by_text = s.execute(sql(f"SELECT d.id FROM dossiers d WHERE d.id = :id AND {public_sql('d')}"),
                            {**PUBLIC_PARAMS, "id": dossier}).scalar()
        row = s.get(DossierRow, dossier)
        expected = is_public(disclosure, withheld)
        assert (by_clause is not None) == expected
        assert (by_text is not None) == expected
        assert dossier_public(row) == expected
    assert expected == (disclosure in ("主动公开", "依申请公开") and not withheld)


def test_a_missing_dossier_row_is_not_public(svc):
    assert dossier_public(None) is False
    with svc.session() as s:
        found = s.execute(sql(f"SELECT 1 FROM (SELECT 'D0' AS dossier) t LEFT JOIN dossiers d ON d.id = t.dossier "
                              f"WHERE {public_sql('d')}"), PUBLIC_PARAMS).all()
    assert found == []


# ---------------------------------------------------------------- every public output


def _make(svc, dossier: str, how: str) -> None:
    with svc.session() as s:
        row = s.get(DossierRow, dossier)
        if how == "withheld":
            row.withheld_at, row.withheld_by, row.withheld_reason = NOW, "editor", "测试：撤回公开的理由写满十个字"
        else:
            row.disclosure = {"null": None, "not_public": "不予公开", "garbage": "公开属性：待定"}[how]


HOW = ("null", "not_public", "garbage", "withheld")


@pytest.fixture
def published(svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    with svc.session() as s:
        row = s.get(DossierRow, d)
        return d, row.title, row.doc_number


@pytest.mark.parametrize("how", HOW)
def test_the_register_search_list_entry_and_pages_omit_it(svc, cli, tmp_path, published, how):
    from services.register.views import register_entry
    from services.register.life import list_entries
    from services.register.search import search
    d, title, number = published
    entry = search(svc, title)[0].registration_number
    out = tmp_path / "pages"
    cli.json("register", "pages", "--out", str(out))              # written before: regenerated after
    assert any(title in p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    _make(svc, d, how)
    assert search(svc, title) == [] and search(svc, number) == []
    assert cli.json("register", "search", title)["entries"] == []
    assert entry not in [e.registration_number for e in list_entries(svc, public=True)]
    with pytest.raises(Refused) as r:
        register_entry(svc, entry, public=True)
    assert r.value.problem.code == "not_found"
    assert register_entry(svc, entry, public=False).registration_number == entry     # the registrar's view
    cli.json("register", "pages", "--out", str(out))
    assert not any(title in p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    cli.json("register", "export", "--format", "csv", "--out", str(tmp_path / "r.csv"),
             "--base-url", "https://www.genhe.gov.cn/site")
    assert title not in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("how", HOW)
def test_the_site_routes_answer_404(svc, home, published, how):
    from desk.app import create_app
    d, _, _ = published
    public = TestClient(create_app(home.path, "test-token"), base_url="http://testserver")
    assert public.get(f"/site/policies/{d}.html").status_code == 200
    _make(svc, d, how)
    for path in (f"/site/policies/{d}.html", f"/site/interpretations/{d}.html"):
        assert public.get(path).status_code == 404, path


@pytest.mark.parametrize("how", HOW)
def test_the_gazette_refuses_it_and_its_search_omits_it(svc, cli, tmp_path, published, how):
    from services.gazette import issues as gazette
    from services.gazette.search import search
    d, title, number = published
    other = signed_dossier(svc, tmp_path / "b")
    gazette.create_issue(svc, 2019, 8, "editor")
    gazette.add_items(svc, "2019-8", [d, other], "editor")
    gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    assert [h.dossier for h in search(svc, number=number)] == [d]
    _make(svc, d, how)
    assert search(svc, number=number) == [] and search(svc, title) == []
    gazette.create_issue(svc, 2019, 9, "editor")
    again = signed_dossier(svc, tmp_path / "b")
    _make(svc, again, how)
    with pytest.raises(Refused) as r:
        gazette.add_items(svc, "2019-9", [again], "editor")
    assert r.value.problem.code == "not_public"


@pytest.mark.parametrize("how", ("null", "not_public", "garbage"))
def test_publication_refuses_a_dossier_that_is_not_public(svc, tmp_path, how):
    from services.dossiers.intake import intake_bundle
    from services.publication.publish import publish
    from services.review.actions import record_decision, record_sign_off
    from samples.genhe import bundle_files
    files = bundle_files("complete", doc_number="根政办发〔2019〕91号")
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    d = intake_bundle([path], "drafter", svc).dossier
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    _make(svc, d, how)
    with pytest.raises(Refused) as r:
        publish(svc, d)
    assert r.value.problem.code == "not_public"
    assert not (svc.home.site / "policies" / f"{d}.html").exists()
