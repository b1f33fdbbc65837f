"""施行 after 公报 through the command line: 待施行 until the gazette issue carrying it is out, then
现行有效 from the issue's date (on the day, by the scheduled check, when that day is still to come);
and 紧急签发，待事后补审 on the entry of a dossier signed off in an emergency."""
from __future__ import annotations

import datetime as dt
import zipfile

from publishing.register_rules import valid_until
from samples.genhe import bundle_files
from tests.storage.test_gazette_storage import signed_dossier


def entry_of(cli, dossier: str) -> dict:
    return next(e for e in cli.json("register", "list")["entries"] if e["dossier"] == dossier)


def release(cli, tmp_path, dossier: str, day: dt.date, number: int = 1) -> dict:
    issue = f"{day.year}-{number}"
    cli.json("gazette", "issue", "new", "--year", day.year, "--number", number, "--as", "editor")
    cli.json("gazette", "issue", "add", issue, dossier, "--as", "editor")
    return cli.json("gazette", "issue", "release", issue, "--out", tmp_path / "out", "--date", day.isoformat(),
                    "--as", "editor")["issue"]


def test_a_normative_document_without_a_clause_is_pending_until_its_issue_and_then_in_force(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")                      # the sample names no 施行日期
    e = entry_of(cli, d)
    assert (e["status"], e["status_name"], e["effective_date"], e["valid_until"]) == ("pending", "待施行", None, None)
    assert [x["dossier"] for x in cli.json("register", "list", "--status", "pending")["entries"]] == [d]
    assert cli.json("register", "list", "--status", "in_force")["entries"] == []
    text = cli("register", "show", e["registration_number"]).stdout
    assert "待施行" in text and "待定" in text

    today = dt.date.today()
    assert release(cli, tmp_path, d, today)["release_date"] == today.isoformat()
    e = entry_of(cli, d)
    assert (e["status"], e["effective_date"]) == ("in_force", today.isoformat())
    assert e["valid_until"] == valid_until(today, e["title"]).isoformat()      # five years from the issue's date
    assert e["gazette_issue"] and e["evaluation_due"]


def test_a_future_release_date_keeps_it_pending_and_the_check_moves_it_on_the_day(cli, svc, tmp_path):
    d = signed_dossier(svc, tmp_path / "b")
    day = dt.date.today() + dt.timedelta(days=10)
    release(cli, tmp_path, d, day)
    e = entry_of(cli, d)
    assert (e["status"], e["effective_date"]) == ("pending", day.isoformat())   # dated, not yet in force
    before = cli.json("register", "expire", "--today", (day - dt.timedelta(days=1)).isoformat(), "--as", "editor")
    assert before["took_effect"] == [] and entry_of(cli, d)["status"] == "pending"
    on_day = cli.json("register", "expire", "--today", day.isoformat(), "--as", "editor")
    assert [(x["dossier"], x["status"]) for x in on_day["took_effect"]] == [(d, "in_force")]
    assert entry_of(cli, d)["status"] == "in_force"
    assert "转为现行有效" not in cli("register", "expire", "--today", day.isoformat(), "--as", "editor").stdout


def test_register_expire_needs_the_registrar_role_for_taking_effect_too(cli, svc, tmp_path):
    signed_dossier(svc, tmp_path / "b")
    r = cli("register", "expire", "--as", "reviewer", "--json")
    assert r.exit_code == 1 and '"not_permitted"' in r.stdout


def _policy_kind_dossier(svc, tmp_path) -> tuple[str, dict[str, str]]:
    """A 政策性文件 signed off in an emergency: its 起草单位审核 (skippable) is owed after the fact."""
    from services.dossiers.intake import intake_bundle
    from services.publication.publish import publish
    from services.review.actions import record_sign_off
    files = bundle_files("complete", kind="政策性文件", doc_number="根政办发〔2019〕77号")
    path = tmp_path / "emergency.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    result = intake_bundle([path], "drafter", svc)
    assert result.accepted, result.problems
    from services.review.actions import record_decision
    record_decision(svc, result.dossier, "kind_check", "approve", "经认定不属于行政规范性文件", "reviewer")
    record_sign_off(svc, result.dossier, "signer", emergency_reason="森林防火紧急，须于当日发布施行")
    published = publish(svc, result.dossier)
    assert published.published
    return result.dossier, published.pages


def test_an_emergency_sign_off_shows_on_the_entry_with_the_stages_owed_until_reviewed(cli, svc, tmp_path):
    d, pages = _policy_kind_dossier(svc, tmp_path)
    for path in pages.values():          # the public web release, policy and interpretation pages
        assert "紧急签发，待事后补审：起草单位审核" in open(path, encoding="utf-8").read()
    e = entry_of(cli, d)
    assert (e["emergency"], e["review_owed"], e["review_owed_names"]) == (True, ["unit_check"], ["起草单位审核"])
    shown = cli.json("register", "show", e["registration_number"])["entry"]
    assert (shown["emergency"], shown["review_owed"]) == (True, ["unit_check"])
    assert "紧急签发，待事后补审：起草单位审核" in cli("register", "show", e["registration_number"]).stdout
    site = tmp_path / "site"
    cli.json("register", "pages", "--out", site)
    from publishing.register_pages import safe_name
    page = (site / "entries" / f"{safe_name(e['registration_number'])}.html").read_text(encoding="utf-8")
    assert "紧急签发，待事后补审：起草单位审核" in page

    cli.json("review", d, "--stage", "unit_check", "--approve", "--comment", "事后补审同意", "--as", "director")
    e = entry_of(cli, d)
    assert (e["emergency"], e["review_owed"]) == (True, [])
    assert "紧急签发，已事后补审" in cli("register", "show", e["registration_number"]).stdout
    for path in pages.values():          # rendered again once the review owed is done
        text = open(path, encoding="utf-8").read()
        assert "紧急签发，已事后补审" in text and "待事后补审" not in text


def test_a_normal_sign_off_carries_no_emergency_mark(cli, svc, tmp_path):
    e = entry_of(cli, signed_dossier(svc, tmp_path / "b"))
    assert (e["emergency"], e["review_owed"]) == (False, [])
