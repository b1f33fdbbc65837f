"""Reordering a draft gazette issue (issue 15 item 2): new items go after those placed, editors move
an item up, down or to a 序号 within its section; the contents, the web edition and the print edition
follow that order; refusals (another section, the edge, a released issue, a non-editor) are coded;
the desk's 上移/下移 forms post with CSRF; every move is audited."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from docx import Document
from sqlalchemy import select

from services.gazette import issues as gazette
from storage import audit
from storage.tables import EventRow
from tests.desk.test_editor_pages import post
from tests.desk.test_pages import sign_in
from tests.storage.test_gazette_storage import signed_dossier

GOV = "本级政府行政规范性文件"
OFFICE = "政府办公室文件"
TITLES = {"a": "根河市森林草原防火管理办法", "b": "根河市城市供热管理办法", "c": "根河市政务公开工作要点",
          "d": "根河市农村牧区道路管理办法"}


@pytest.fixture
def placed(svc, tmp_path):
    """a alone first; then c (the office's), b (8月6日) and d (8月4日) together: [a, d, b | c]."""
    made = {"a": signed_dossier(svc, tmp_path / "a", government=True, title=TITLES["a"]),
            "b": signed_dossier(svc, tmp_path / "b", government=True, title=TITLES["b"], date_text="2019年8月6日"),
            "c": signed_dossier(svc, tmp_path / "c", title=TITLES["c"]),
            "d": signed_dossier(svc, tmp_path / "d", government=True, title=TITLES["d"], date_text="2019年8月4日")}
    gazette.create_issue(svc, 2019, 8, "editor", total=120)
    gazette.add_items(svc, "2019-8", [made["a"]], "editor")
    gazette.add_items(svc, "2019-8", [made["c"], made["b"], made["d"]], "editor")
    return made


def order(svc, made) -> list[str]:
    names = {d: k for k, d in made.items()}
    return [names[i.dossier] for i in gazette.show_issue(svc, "2019-8").items]


def moves(svc) -> list[dict]:
    with svc.session() as s:
        assert audit.verify(s) == []
        return [e.payload for e in s.scalars(select(EventRow).filter_by(name="gazette.issue.item_moved")
                                             .order_by(EventRow.seq))]


def refused(cli, *args, as_="editor") -> dict:
    problems = cli.json("gazette", "issue", "move", "2019-8", *args, "--as", as_, code=1)["problems"]
    assert len(problems) == 1
    return problems[0]


def test_items_added_later_come_after_and_a_move_reorders_contents_web_and_print(cli, svc, placed, tmp_path):
    made = placed
    view = gazette.show_issue(svc, "2019-8")
    assert [(i.section, i.position) for i in view.items] == [(GOV, 1), (GOV, 2), (GOV, 3), (OFFICE, 4)]
    assert order(svc, made) == ["a", "d", "b", "c"]      # a was there first; d, b added together by date

    # Refused: out of its section, past its section's edge, not in the issue, not an editor; usage errors.
    p = refused(cli, made["b"], "--to", "4")
    assert p["code"] == "invalid_state" and "只能在本栏目内" in p["message"] and "第 1–3 篇" in p["message"]
    assert refused(cli, made["a"], "--up")["code"] == "invalid_state"
    assert "最后一篇" in refused(cli, made["c"], "--down")["message"]
    assert refused(cli, "NO-SUCH", "--up")["code"] == "not_found"
    assert refused(cli, made["b"], "--up", as_="drafter")["code"] == "not_permitted"
    for usage in ((made["b"],), (made["b"], "--up", "--down"), (made["b"], "--to", "0")):
        assert cli("gazette", "issue", "move", "2019-8", *usage, "--as", "editor").exit_code == 2
    assert order(svc, made) == ["a", "d", "b", "c"] and moves(svc) == []

    doc = cli.json("gazette", "issue", "move", "2019-8", made["b"], "--up", "--as", "editor")
    assert [i["dossier"] for i in doc["issue"]["items"]] == [made[k] for k in ("a", "b", "d", "c")]
    text = cli("gazette", "issue", "move", "2019-8", made["a"], "--to", "3", "--as", "editor")
    assert text.exit_code == 0 and "已调整顺序" in text.stdout and "第 3 篇" in text.stdout
    assert order(svc, made) == ["b", "d", "a", "c"]
    cli.json("gazette", "issue", "move", "2019-8", made["d"], "--down", "--as", "editor")
    assert order(svc, made) == ["b", "a", "d", "c"]
    # Moving to where it is records nothing.
    cli.json("gazette", "issue", "move", "2019-8", made["c"], "--to", "4", "--as", "editor")
    assert [(m["moved_from"], m["moved_to"], m["section"]) for m in moves(svc)] == [(3, 2, GOV), (1, 3, GOV),
                                                                                   (2, 3, GOV)]

    # The released editions print them in this order.
    done = gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    expected = [TITLES[k] for k in ("b", "a", "d", "c")]
    index = open(done.web_index, encoding="utf-8").read()
    assert sorted(expected, key=index.find) == expected
    body = [p.text for p in Document(done.print_path).paragraphs]
    firsts = [next(n for n, t in enumerate(body) if re.sub(r"\s", "", t) == title) for title in expected]
    assert firsts == sorted(firsts)
    # Released: the order is printed and stays.
    p = refused(cli, made["b"], "--down")
    assert p["code"] == "invalid_state" and "已出版" in p["message"]
    assert order(svc, made) == ["b", "a", "d", "c"] and len(moves(svc)) == 3


def test_the_desk_moves_items_up_and_down_with_csrf(desk, svc, placed, tmp_path):
    made, page = placed, "/desk/gazette/issues/2019-8"
    editor = sign_in(desk, "editor")
    html = editor.get(page).text
    # 上移 on all but the first of a section, 下移 on all but the last: a has no 上移, b no 下移, c neither.
    assert html.count(">上移<") == 2 and html.count(">下移<") == 2
    r = editor.post(f"{page}/move", data={"dossier": made["b"], "direction": "up"})    # no CSRF token
    assert r.status_code in (400, 403) and order(svc, made) == ["a", "d", "b", "c"]
    r = post(editor, f"{page}/move", {"dossier": made["b"], "direction": "up"}, page)
    assert r.status_code == 200 and "已调整稿件顺序" in r.text
    assert order(svc, made) == ["a", "b", "d", "c"]
    r = post(editor, f"{page}/move", {"dossier": made["a"], "direction": "up"}, page)
    assert r.status_code == 409 and "第一篇" in r.text
    r = post(editor, f"{page}/move", {"dossier": made["a"], "direction": "sideways"}, page)
    assert r.status_code == 400
    assert sign_in(desk, "drafter").post(f"{page}/move", data={"dossier": made["a"], "direction": "down"}).status_code == 403
    gazette.release_issue(svc, "2019-8", tmp_path / "out", "editor", dt.date(2019, 8, 30))
    assert ">上移<" not in editor.get(page).text
    r = post(editor, f"{page}/move", {"dossier": made["b"], "direction": "down"}, page)
    assert r.status_code == 409 and "invalid_state" in r.text
    assert order(svc, made) == ["a", "b", "d", "c"] and len(moves(svc)) == 1
