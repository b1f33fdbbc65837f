"""The review page and the office's dossier page (issue 5): policy and interpretation side by side,
the diff after a resubmit, returns anchored to provisions, attaching the missing piece, and one
refusal for a dossier that is missing or not one's own.

TestClient against create_app on a real initialised home; intake runs on the session's Prefect
test server."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from publishing.web_release import clean_html
from services.home.context import open_services
from services.review.actions import record_decision, record_sign_off
from samples import genhe
from tests.desk.test_pages import client, csrf_of, dossier_of, sign_in, upload

pytestmark = pytest.mark.usefixtures("prefect_harness")

EVIL_TEXT = "问9：<script>alert('x')</script>是否需要申请？"


# ---------------------------------------------------------------- bundles made for these tests

def _edited(docx: bytes, edit) -> bytes:
    doc = Document(io.BytesIO(docx))
    edit(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _link(paragraph, url: str, text: str) -> None:
    """A real Word hyperlink (python-docx has no API for one): a relationship and a w:hyperlink."""
    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _with_script(doc) -> None:
    doc.add_paragraph(EVIL_TEXT)
    p = doc.add_paragraph("详见：")
    _link(p, "java\tscript:alert(1)", "办事指南")         # browsers drop the tab: still a script URL
    _link(p, "javascript:alert(2)", "常见问题")
    _link(p, "https://www.genhe.gov.cn/zwgk/", "政务公开专栏")


def _policy_edited(doc) -> None:
    """One word added to provision 一、（一）, as an office would after a return."""
    p = next(p for p in doc.paragraphs if p.text.startswith("（一）深入解读重要政策措施"))
    p.runs[0].text = p.runs[0].text.replace("深入解读重要政策措施", "全面深入解读重要政策措施", 1)


def bundle(tmp_path, name: str, **edits) -> Path:
    """The complete Genhe sample, with some members edited: {member name: edit(doc)}."""
    files = genhe.bundle_files("complete")
    for member, edit in edits.items():
        files[member] = _edited(files[member], edit)
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in files.items():
            zf.writestr(member, data)
    return path


def policy_name() -> str:
    return f"{genhe.DOC_NUMBER}.docx"


# ---------------------------------------------------------------- the review page

def test_policy_and_interpretation_are_side_by_side_and_script_in_a_docx_is_neutralised(desk, tmp_path):
    evil = bundle(tmp_path, "evil.zip", **{genhe.MATERIAL_NAME: _with_script})
    d = dossier_of(upload(sign_in(desk, "drafter"), evil))
    reviewer = sign_in(desk, "reviewer")
    r = reviewer.get(f"/desk/dossiers/{d}/review")
    assert r.status_code == 200, r.text
    page = r.text
    columns = page.split('<div class="sxs">', 1)[1].split("<h2>舆情风险评估</h2>", 1)[0]
    left, right = columns.split("</section>", 1)
    assert "深入解读重要政策措施" in left and "一问一答读懂" not in left          # the policy, converted
    assert "一问一答读懂" in right and "解读方案" in right                     # its interpretation beside it
    assert "&lt;script&gt;alert(" in page
    assert "<script" not in page.lower()
    assert not re.search(r'href="[^"]*script', page, re.I)                    # both script links became "#"
    assert 'href="https://www.genhe.gov.cn/zwgk/"' in page                    # an ordinary link stays
    assert not re.search(r"<[^>]+\son\w+\s*=", page, re.I)                     # no event handlers anywhere
    assert "风险等级" in page and "低" in page and "评估单位" in page         # the risk assessment summary
    assert "这是第一版" in page
    # the return form offers the provisions to anchor to, of the policy and of the Q&A
    assert '<option value="一、（一）">' in page and '<option value="解读：问1">' in page
    # the 一图读懂 picture comes through the guarded file route, as a picture
    src = re.search(rf'<img src="(/desk/dossiers/{d}/files/[0-9a-f]{{64}})"', page).group(1)
    image = reviewer.get(src)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["cache-control"] == "no-store"
    assert sign_in(desk, "publicity").get(src).status_code == 404              # not theirs: as if missing


def test_the_sanitiser_keeps_mammoths_markup_and_nothing_that_runs():
    dirty = ('<p onclick="x()">a<script>alert(1)</script>b<img src="x.png" onerror="alert(1)">'
             '<img src="data:image/svg+xml;base64,PHN2Zz4="><a href="&#106;ava&#9;script:alert(1)">l</a>'
             '<a href=" JAVASCRIPT:alert(1)">m</a><style>p{}</style><iframe src="x">t</iframe>'
             '<table><tr><td colspan="2" style="color:red">c</td></tr></table></p>')
    clean = clean_html(dirty)
    assert clean == ('<p>ab<img src="x.png"><a href="#">l</a><a href="#">m</a>'
                     '<table><tr><td colspan="2">c</td></tr></table></p>')
    ordinary = '<p>正文<strong>加粗</strong><a href="https://x.cn/?a=1&amp;b=2">链接</a></p><ol><li id="n-1">注</li></ol>'
    assert clean_html(ordinary) == ordinary


def test_the_diff_against_the_previous_version_is_shown_after_a_resubmit(desk, tmp_path):
    drafter = sign_in(desk, "drafter")
    d = dossier_of(upload(drafter, bundle(tmp_path, "v1.zip")))
    page = drafter.get(f"/desk/dossiers/{d}").text
    assert 'name="dossier" value="%s"' % d in page                            # the resubmit form
    v2 = bundle(tmp_path, "v2.zip", **{policy_name(): _policy_edited})
    r = drafter.post("/desk/submit", data={"csrf": csrf_of(drafter, f"/desk/dossiers/{d}"), "dossier": d},
                     files=[("files", (v2.name, v2.read_bytes(), "application/zip"))])
    assert r.status_code == 200 and "已接收（新版本）" in r.text and "第 2 版" in r.text, r.text
    assert f"/desk/dossiers/{d}/review#diff" in r.text
    review = sign_in(desk, "reviewer").get(f"/desk/dossiers/{d}/review").text
    diff = review.split('<h2 id="diff">', 1)[1].split("<h2>", 1)[0]
    assert "第 1 版 → 第 2 版" in diff
    assert "【一、（一）】" in diff and "<ins>全面</ins>" in diff
    assert "修改 1 段" in diff and "段未改动" in diff                           # unchanged text folds away
    history = drafter.get(f"/desk/dossiers/{d}").text
    assert "形成第 2 版" in history and "此前的审核随之失效" in history


# ---------------------------------------------------------------- returns, attach

def test_a_return_with_anchored_reasons_is_read_by_the_drafter(desk, tmp_path):
    drafter = sign_in(desk, "drafter")
    d = dossier_of(upload(drafter, bundle(tmp_path, "b.zip")))
    director = sign_in(desk, "director")
    form = {"csrf": csrf_of(director, f"/desk/dossiers/{d}/review"), "stage": "unit_check", "version": "1",
            "verdict": "return", "comment": "请修改后重新提交",
            "anchor_1": "一、（一）", "text_1": "请写明牵头单位", "anchor_2": "九、（九）", "text_2": "不存在的条款"}
    r = director.post(f"/desk/dossiers/{d}/decide", data=form)
    assert r.status_code == 422 and "未找到条款“九、（九）”" in r.text       # nothing recorded, text kept
    assert 'value="请写明牵头单位"' in r.text and '<option value="一、（一）" selected>' in r.text
    form.update(anchor_2="", text_2="", reasons="解读：问1：问题表述过长")
    r = director.post(f"/desk/dossiers/{d}/decide", data=form)
    assert r.status_code == 200 and "已退回“起草单位审核”环节" in r.text, r.text
    page = drafter.get(f"/desk/dossiers/{d}").text
    assert "卷宗已被退回" in page and "已退回，待修改后重新提交" in page
    assert "【一、（一）】请写明牵头单位" in page
    assert "【解读材料 问1】问题表述过长" in page
    returns = page.split("<h2>退回意见</h2>", 1)[1].split("<h2>", 1)[0]
    assert "起草单位审核" in returns and "退回第 1 版" in returns and "政务服务局局长" in returns
    history = page.split("<h2>操作记录</h2>", 1)[1]
    assert "起草单位审核：退回（请修改后重新提交）" in history and "政务服务局局长（根河市政务服务局）" in history


def test_a_decision_on_a_version_the_reviewer_did_not_read_is_refused(desk, tmp_path):
    drafter = sign_in(desk, "drafter")
    d = dossier_of(upload(drafter, bundle(tmp_path, "b.zip")))
    director = sign_in(desk, "director")
    token = csrf_of(director, f"/desk/dossiers/{d}/review")
    v2 = bundle(tmp_path, "v2.zip", **{policy_name(): _policy_edited})
    upload(drafter, v2)
    r = director.post(f"/desk/dossiers/{d}/decide",
                      data={"csrf": token, "stage": "unit_check", "version": "1", "verdict": "approve"})
    assert r.status_code == 409 and "已更新为第 2 版" in r.text


def test_attaching_the_missing_risk_assessment_updates_the_checklist(desk, sample_zip):
    drafter = sign_in(desk, "drafter")
    d = dossier_of(upload(drafter, sample_zip("missing-risk")))
    page = drafter.get(f"/desk/dossiers/{d}").text
    assert "risk_assessment_missing" in page and "怎么办" in page and "选择“舆情风险评估”上传" in page
    assert '<option value="risk_assessment">舆情风险评估</option>' in page
    token = csrf_of(drafter, f"/desk/dossiers/{d}")
    r = drafter.post(f"/desk/dossiers/{d}/attach", data={"csrf": token, "role": "risk_assessment"},
                     files=[("file", (genhe.RISK_NAME, genhe.risk_docx(), "application/octet-stream"))])
    assert r.status_code == 200, r.text
    assert "已补充（替换）“舆情风险评估”" in r.text and "形成第 2 版" in r.text
    assert "签发条件（补充后）" in r.text and "risk_assessment_missing" not in r.text
    assert "评估单位" in r.text                                                 # what was read from the file
    page = drafter.get(f"/desk/dossiers/{d}").text
    assert "risk_assessment_missing" not in page and "舆情风险评估：" in page and "第 2 版" in page
    # the whole bundle is not attached as one file, and a form without its token is refused
    z = sample_zip()
    r = drafter.post(f"/desk/dossiers/{d}/attach", data={"csrf": token, "role": "policy"},
                     files=[("file", (z.name, z.read_bytes(), "application/zip"))])
    assert r.status_code == 400 and "重新提交整套材料" in r.text
    r = drafter.post(f"/desk/dossiers/{d}/attach", data={"role": "risk_assessment"},
                     files=[("file", (genhe.RISK_NAME, genhe.risk_docx(), "application/octet-stream"))])
    assert r.status_code == 403 and "校验码" in r.text


# ---------------------------------------------------------------- one door for outsiders

def test_another_unit_gets_the_same_404_for_an_existing_and_a_missing_dossier(desk, sample_zip):
    drafter = sign_in(desk, "drafter")
    d = dossier_of(upload(drafter, sample_zip()))
    missing = "GHDR-2019-9999"
    outsider = sign_in(desk, "publicity")           # 宣传部: a low-risk dossier has no publicity stage
    token = csrf_of(outsider)
    for path in ("", "/review", "/files/" + "0" * 64):
        there, absent = outsider.get(f"/desk/dossiers/{d}{path}"), outsider.get(f"/desk/dossiers/{missing}{path}")
        assert there.status_code == absent.status_code == 404, path
        assert "not_found" in there.text and "政务服务局" not in there.text
        assert there.text.replace(d, missing) == absent.text
    for action, data in (("decide", {"csrf": token, "stage": "publicity", "verdict": "approve"}),
                         ("attach", {"csrf": token, "role": "policy"})):
        there = outsider.post(f"/desk/dossiers/{d}/{action}", data=data)
        absent = outsider.post(f"/desk/dossiers/{missing}/{action}", data=data)
        assert there.status_code == absent.status_code == 404, action
        assert there.text.replace(d, missing) == absent.text
    # the signer may read every dossier, but a missing one looks no different from a forbidden one
    signer = sign_in(desk, "signer")
    assert signer.get(f"/desk/dossiers/{d}").status_code == 200
    assert signer.get(f"/desk/dossiers/{missing}/sign").status_code == 404
    # the office resubmitting to a dossier number that is not its own meets the same door
    z = sample_zip()
    r = drafter.post("/desk/submit", data={"csrf": csrf_of(drafter, "/desk/submit"), "dossier": missing},
                     files=[("files", (z.name, z.read_bytes(), "application/zip"))])
    assert r.status_code == 404 and "not_found" in r.text


def test_the_queue_leads_to_the_review_page(desk, sample_zip):
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip()))
    queue = sign_in(desk, "director").get("/desk/queue").text
    assert f'href="/desk/dossiers/{d}/review"' in queue


def test_a_not_public_policy_is_marked_and_served_only_to_people_entitled(desk, home, sample_zip):
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip(disclosure="（此件不予公开）")))
    page = sign_in(desk, "reviewer").get(f"/desk/dossiers/{d}/review")
    assert page.status_code == 200 and "<strong>不予公开</strong>" in page.text
    assert page.headers["cache-control"] == "no-store"
    link = rf'href="(/desk/dossiers/{d}/files/[0-9a-f]{{64}})">{re.escape(policy_name())}'
    policy = re.search(link, page.text).group(1)
    assert client(desk).get(policy).url.path == "/login"                      # no session: sign in first
    assert sign_in(desk, "publicity").get(policy).status_code == 404          # no role on it: as if missing
    # Signed, the gazette office may see the dossier, but not the original of a not-public document.
    signed = sign_in(desk, "signer")
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(open_services(home), d, stage, "approve", "同意", who)
    record_sign_off(open_services(home), d, "signer")
    assert signed.get(policy).status_code == 200
    refused = sign_in(desk, "editor").get(policy)
    assert refused.status_code == 403 and "not_permitted" in refused.text
    assert sign_in(desk, "editor").get(f"/desk/dossiers/{d}").status_code == 200
    download = sign_in(desk, "drafter").get(policy)
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment")


# ---------------------------------------------------------------- the queue's working-day clock

def test_the_legality_queue_shows_the_due_date_on_the_working_day_clock(desk, sample_zip):
    import datetime as dt

    from review.clock import Period, add_period
    from tests.desk.test_pages import decide
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip()))
    reviewer = sign_in(desk, "reviewer")
    row = re.search(rf"{d}.*?</tr>", reviewer.get("/desk/queue").text, re.S).group(0)
    assert "须先完成" in row and not re.search(r"\d{4}-\d{2}-\d{2}（", row)     # the clock waits for the unit check
    assert decide(sign_in(desk, "director"), d, "unit_check").status_code == 200
    row = re.search(rf"{d}.*?</tr>", reviewer.get("/desk/queue").text, re.S).group(0)
    due = add_period(dt.date.today(), Period.parse("15个工作日")).due
    assert f"{due:%Y-%m-%d}（" in row and "15个工作日" in row
