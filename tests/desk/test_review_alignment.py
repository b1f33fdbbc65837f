"""逐条对照 on the review page (issue 14): each provision of the Genhe policy beside the 问N that
explain it, 未解读 where none does, the full texts kept below, and a link to the decision form that
only a person who may decide gets. TestClient against create_app on a real initialised home."""
from __future__ import annotations

import re

import pytest

from samples import genhe
from tests.desk.test_pages import dossier_of, sign_in, upload
from tests.desk.test_review_pages import EVIL_TEXT, _with_script, bundle

pytestmark = pytest.mark.usefixtures("prefect_harness")

JUMP = '<a class="to-decide" href="#decide">'


def _rows(page: str) -> dict[str, tuple[str, list[str]]]:
    """The aligned table: provision anchor (or 未对应) → (its row's class, the 问N on its right)."""
    table = page.split('<h2 id="aligned">', 1)[1].split("</table>", 1)[0]
    out = {}
    for cls, left, right in re.findall(r'<tr id="aligned-\d+" class="([^"]*)">\s*<td>(.*?)</td>\s*<td>(.*?)</td>',
                                       table, re.S):
        m = re.match(r'<span class="at">【(.*?)】</span>', left)
        out[m.group(1) if m else "未对应"] = (cls, re.findall(r'<div class="answer"><p><span class="at">【(问\d+)】', right))
    return out


def test_each_provision_sits_beside_the_answers_that_explain_it_and_only_deciders_get_the_jump(desk, tmp_path):
    d = dossier_of(upload(sign_in(desk, "drafter"), bundle(tmp_path, "evil.zip",
                                                              **{genhe.MATERIAL_NAME: _with_script})))
    director = sign_in(desk, "director")                     # 起草单位审核 is theirs now
    r = director.get(f"/desk/dossiers/{d}/review")
    assert r.status_code == 200, r.text
    page = r.text
    rows = _rows(page)
    assert rows["一、（一）"] == ("level-2", ["问1"]) and rows["一、（二）"] == ("level-2", ["问2"])
    assert rows["一、（三）"][1] == ["问3"] and rows["二、（一）"][1] == ["问4"]
    assert rows["二、（二）"][1] == ["问5"] and rows["二、（三）"][1] == ["问6"]
    assert rows["三、（一）"] == ("level-2 unread", []) and rows["五、"] == ("level-1 unread", [])
    assert rows["一、"] == ("level-1", [])                   # explained item by item below it, not 未解读
    assert rows["未对应"] == ("unplaced", ["问9"])            # the added question names no provision
    assert len(rows) == 24                                   # 5 first-level + 18 second-level + 未对应
    aligned = page.split('<h2 id="aligned">', 1)[1].split('<details class="fulltext"', 1)[0]
    assert aligned.count("未解读</span>") == sum(1 for cls, _ in rows.values() if "unread" in cls)
    assert "见以下各项（3 问）" in aligned
    assert "答：（一）深入解读重要政策措施" in aligned                      # the answer's text, not only 问N
    # hostile text in a question is shown as text, never as markup
    assert "问9：&lt;script&gt;alert(" in aligned and "<script" not in page.lower()
    assert EVIL_TEXT not in page
    # the full texts are kept below, collapsed (no findings here to open them for)
    full = page.split('<details class="fulltext">', 1)[1].split("</details>", 1)[0]
    assert '<div class="sxs">' in full and "一问一答读懂" in full
    # the way to the form from anywhere on the page, for whoever may decide
    assert page.count(JUMP) == 1 and '<h2 id="decide">' in page
    drafter = sign_in(desk, "drafter").get(f"/desk/dossiers/{d}/review")   # may read it, not decide on it
    assert drafter.status_code == 200 and '<h2 id="aligned">' in drafter.text
    assert JUMP not in drafter.text and 'id="decide"' not in drafter.text, re.findall(r'name="stage" value="\w+"', drafter.text)
