"""Register search on real SQLite (FTS5 trigram + two-character units) and PostgreSQL (pg_trgm):
substrings of title, document number, organ and registration number; status; 不予公开 stays out."""
from __future__ import annotations


from publishing import register
from services.home.context import initialise
from services.home.folder import Home
from services.register.life import repeal
from services.register.search import search
from tests.storage.test_gazette_storage import gazetted, lately, mark_not_public, signed_dossier



def entry(svc, tmp_path, title: str, **kw):
    # in force from its 成文日期 (lately: valid today), once an issue out that day carries it (DESIGN.md rule 7)
    d = signed_dossier(svc, tmp_path / "in", "本通知自印发之日起施行。", title=title, **{"date_text": lately(), **kw})
    gazetted(svc, tmp_path / "in", d)
    with svc.session() as s:
        e = register.entry_for(s, d)
        return e.registration_number, e.document_number, d


def numbers(svc, text: str, status: str | None = None) -> list[str]:
    return [e.registration_number for e in search(svc, text, status)]


def test_any_substring_of_title_number_organ_or_registration_number_finds_the_entry(db_svc, tmp_path):
    a, a_doc, _ = entry(db_svc, tmp_path, "根河市林草防火管理暂行办法")
    b, _, _ = entry(db_svc, tmp_path, "根河市城乡低保审核办法", government=True)
    assert numbers(db_svc, "林草防火") == [a]                  # 4 characters: index
    assert numbers(db_svc, "防火") == [a]                      # 2 characters
    assert numbers(db_svc, "低保审核办法") == [b]
    assert numbers(db_svc, a_doc) == [a]                       # the whole document number
    assert numbers(db_svc, a_doc[-6:]) == [a]                  # part of it: 〔2019〕N号
    assert numbers(db_svc, a) == [a]                           # the registration number
    assert numbers(db_svc, a.lower()) == [a]                   # letters in any case
    assert numbers(db_svc, "人民政府办公室") == [a]             # the organ (b is 根河市人民政府)
    assert numbers(db_svc, "根河市") == [b, a]                 # newest first
    assert numbers(db_svc, "  林草 防火 ") == [a]              # spaces are not part of the text
    assert numbers(db_svc, "殡葬") == [] and numbers(db_svc, "殡葬改革") == []


def test_the_status_filter_keeps_only_entries_of_that_status(db_svc, tmp_path):
    a, _, _ = entry(db_svc, tmp_path, "根河市政务公开考核办法")
    b, _, _ = entry(db_svc, tmp_path, "根河市政务公开评议办法")
    repeal(db_svc, a, "editor", by=b)
    assert numbers(db_svc, "政务公开", "repealed") == [a]
    assert numbers(db_svc, "政务公开", "in_force") == [b]
    assert numbers(db_svc, "政务", "expired") == []


def test_an_entry_marked_not_public_is_never_found(db_svc, tmp_path):
    a, a_doc, d = entry(db_svc, tmp_path, "根河市涉密载体管理办法")
    mark_not_public(db_svc, d)
    for text in ("涉密载体", "涉密", a, a_doc):
        assert numbers(db_svc, text) == []


def test_the_index_follows_a_repeal_and_new_entries(db_svc, tmp_path):
    a, _, _ = entry(db_svc, tmp_path, "根河市殡葬管理办法")
    assert numbers(db_svc, "殡葬管理", "in_force") == [a]
    repeal(db_svc, a, "editor", reason="上位法已修改")
    assert numbers(db_svc, "殡葬管理", "in_force") == []
    assert [(e.registration_number, e.status) for e in search(db_svc, "殡葬管理")] == [(a, "repealed")]
    b, _, _ = entry(db_svc, tmp_path, "根河市殡葬改革实施办法")
    assert numbers(db_svc, "殡葬") == [b, a]
    assert numbers(db_svc, "殡葬改革", "in_force") == [b]


def test_entries_from_before_the_index_are_found_after_the_migration(tmp_path):
    """Migration 0006 fills the SQLite index from the entries already in the register."""
    from alembic import command
    from storage.db import _alembic_config, migrate
    home = Home(tmp_path / "home")
    _, svc = initialise(home)
    a, _, _ = entry(svc, tmp_path, "根河市河湖长制考核办法")
    with svc.engine.begin() as c:
        command.downgrade(_alembic_config(c), "0005")
    migrate(svc.engine)
    assert numbers(svc, "河湖长制") == [a] and numbers(svc, "河湖") == [a]


def test_register_search_answers_in_json_with_the_fields_of_register_list(cli, svc, tmp_path):
    a, _, _ = entry(svc, tmp_path, "根河市草原生态补奖办法")
    found = cli.json("register", "search", "生态补奖")["entries"]
    listed = cli.json("register", "list")["entries"]
    assert found == [e for e in listed if e["registration_number"] == a]
    assert cli.json("register", "search", "生态补奖", "--status", "repealed")["entries"] == []
    assert "没有找到" in cli("register", "search", "无此文件").stdout
    assert a in cli("register", "search", "补奖").stdout
