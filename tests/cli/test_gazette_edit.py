"""Editing a draft gazette issue (issue 15 item 2): take items out (back to the queue, placeable in
another issue), delete an empty draft; the service, the CLI (--json, exit codes) and the audit."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.gazette import issues as gazette
from storage import audit
from storage.tables import EventRow
from tests.storage.test_gazette_storage import signed_dossier


@pytest.fixture
def two(svc, tmp_path):
    a = signed_dossier(svc, tmp_path / "a", government=True, title="根河市森林草原防火管理办法")
    b = signed_dossier(svc, tmp_path / "b", government=True, title="根河市城市供热管理办法",
                       date_text="2019年8月6日")
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [a, b], "editor")
    return a, b


def events(svc, prefix: str) -> list[str]:
    with svc.session() as s:
        assert audit.verify(s) == []
        return [e.name for e in s.scalars(select(EventRow).where(EventRow.name.like(prefix + "%"))
                                          .order_by(EventRow.seq))]


def test_remove_puts_the_item_back_in_the_queue_and_another_issue_takes_it(cli, svc, two):
    a, b = two
    before = [i.dossier for i in gazette.show_issue(svc, "2019-8").items]
    assert sorted(before) == sorted([a, b])
    doc = cli.json("gazette", "issue", "remove", "2019-8", a, "--as", "editor")
    assert [i["dossier"] for i in doc["issue"]["items"]] == [b]
    assert [i["position"] for i in doc["issue"]["items"]] == [1]
    assert [i["dossier"] for i in cli.json("gazette", "queue")["items"]] == [a]
    # Back in the queue: another issue takes it, and the first shows only what is left.
    cli.json("gazette", "issue", "new", "--year", "2019", "--number", "9", "--as", "editor")
    placed = cli.json("gazette", "issue", "add", "2019-9", a, "--as", "editor")
    assert [i["dossier"] for i in placed["issue"]["items"]] == [a]
    assert cli.json("gazette", "queue")["items"] == []
    assert [i.dossier for i in gazette.show_issue(svc, "2019-8").items] == [b]
    assert events(svc, "gazette.issue.item_") == ["gazette.issue.item_added"] * 2 + [
        "gazette.issue.item_removed", "gazette.issue.item_added"]
    text = cli("gazette", "issue", "remove", "2019-8", b, "--as", "editor")
    assert text.exit_code == 0 and "已移出" in text.stdout and "回到待刊队列" in text.stdout


def test_remove_refusals_not_found_not_permitted_and_a_released_issue(cli, svc, two, tmp_path):
    a, b = two
    refused = cli.json("gazette", "issue", "remove", "2019-8", "NO-SUCH", "--as", "editor", code=1)
    assert [p["code"] for p in refused["problems"]] == ["not_found"]
    refused = cli.json("gazette", "issue", "remove", "2019-8", a, "--as", "drafter", code=1)
    assert refused["problems"][0]["code"] == "not_permitted"
    refused = cli.json("gazette", "issue", "remove", "2099-1", a, "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "not_found"
    assert sorted(i.dossier for i in gazette.show_issue(svc, "2019-8").items) == sorted([a, b])
    gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    refused = cli.json("gazette", "issue", "remove", "2019-8", a, "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "invalid_state"
    refused = cli.json("gazette", "issue", "delete", "2019-8", "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "invalid_state"
    assert len(gazette.show_issue(svc, "2019-8").items) == 2
    assert events(svc, "gazette.issue.item_removed") == []
    usage = cli("gazette", "issue", "remove", "2019-8", "--as", "editor")
    assert usage.exit_code == 2


def test_delete_only_an_empty_draft_and_its_number_is_free_again(cli, svc, two):
    a, b = two
    refused = cli.json("gazette", "issue", "delete", "2019-8", "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "invalid_state" and "请先移出" in refused["problems"][0]["message"]
    cli.json("gazette", "issue", "remove", "2019-8", a, b, "--as", "editor")
    refused = cli.json("gazette", "issue", "delete", "2019-8", "--as", "drafter", code=1)
    assert refused["problems"][0]["code"] == "not_permitted"
    assert cli.json("gazette", "issue", "delete", "2019-8", "--as", "editor") == {"deleted": "2019-8"}
    assert cli.json("gazette", "issue", "list")["issues"] == []
    refused = cli.json("gazette", "issue", "delete", "2019-8", "--as", "editor", code=1)
    assert refused["problems"][0]["code"] == "not_found"
    # 期号 and 总期号 are free again.
    again = cli.json("gazette", "issue", "new", "--year", "2019", "--number", "8", "--total", "120", "--as", "editor")
    assert again["issue"]["issue"] == "2019-8"
    assert "gazette.issue.deleted" in events(svc, "gazette.issue.deleted")
    assert "已删除" in cli("gazette", "issue", "delete", "2019-8", "--as", "editor").stdout
