"""The desk's web pages: sign-in, submit, review queue, sign-off, public register (issue 5).

FastAPI's TestClient against create_app on a real initialised home; flow work runs on the
session's Prefect test server."""
from __future__ import annotations

import hashlib
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from desk import auth
from desk.flowwork import FlowWork
from tests.support.registration import registered

pytestmark = pytest.mark.usefixtures("prefect_harness")

PEOPLE = ("drafter", "director", "reviewer", "secretary", "signer", "editor", "publicity")
PASSWORD = "correct horse 1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def client(app) -> TestClient:
    return TestClient(app, base_url="http://testserver")


def sign_in(app, name: str, password: str = PASSWORD) -> TestClient:
    c = client(app)
    r = c.post("/login", data={"name": name, "password": password, "csrf": _login_csrf(c)})
    assert r.status_code == 200 and "您好" in r.text, r.text
    return c


def _login_csrf(c: TestClient) -> str:
    return CSRF.search(c.get("/login").text).group(1)


def csrf_of(c: TestClient, path: str = "/desk") -> str:
    return CSRF.search(c.get(path).text).group(1)


def upload(c: TestClient, *paths):
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
    return c.post("/desk/submit", data={"csrf": csrf_of(c, "/desk/submit")}, files=files)


def dossier_of(r) -> str:
    return re.search(r'/desk/dossiers/([^"/]+)"', r.text).group(1)


def decide(c: TestClient, dossier: str, stage: str, verdict: str = "approve", reasons: str = ""):
    token = csrf_of(c, f"/desk/dossiers/{dossier}")
    return c.post(f"/desk/dossiers/{dossier}/decide",
                  data={"csrf": token, "stage": stage, "verdict": verdict, "comment": "同意", "reasons": reasons})


# ---------------------------------------------------------------- sign in and out

def test_a_person_signs_in_with_their_password_and_out_again(desk):
    c = sign_in(desk, "drafter")
    cookie = c.cookies.get(auth.SESSION_COOKIE)
    assert cookie
    r = c.post("/logout", data={"csrf": csrf_of(c)})
    assert r.url.path == "/login"
    c.cookies.set(auth.SESSION_COOKIE, cookie)          # the old token no longer opens anything
    assert c.get("/desk").url.path == "/login"


def test_the_session_cookie_is_httponly_and_lax_and_only_its_hash_is_kept(home):
    auth.set_password(home.path, "drafter", PASSWORD)
    router = __import__("desk.pages", fromlist=["router_for"]).router_for(home.path, FlowWork(home.path))
    app = FastAPI()
    app.include_router(router)
    c = client(app)
    r = c.post("/login", data={"name": "drafter", "password": PASSWORD, "csrf": _login_csrf(c)},
               follow_redirects=False)
    header = r.headers["set-cookie"]
    assert "httponly" in header.lower() and "samesite=lax" in header.lower()
    token = c.cookies.get(auth.SESSION_COOKIE)
    assert router.sessions.digests() == {hashlib.sha256(token.encode()).hexdigest()}
    from tests.support.accounts import stored_secrets
    stored = stored_secrets(home.path)                  # in the database (issue 13), not desk-users.json
    assert PASSWORD not in stored and "scrypt" in stored


def test_a_wrong_password_is_refused_in_chinese(desk):
    c = client(desk)
    r = c.post("/login", data={"name": "drafter", "password": "wrong password", "csrf": _login_csrf(c)})
    assert r.status_code == 401 and "姓名或密码不正确" in r.text
    assert auth.SESSION_COOKIE not in c.cookies


def test_an_unknown_person_cannot_sign_in(desk):
    c = client(desk)
    r = c.post("/login", data={"name": "nobody", "password": PASSWORD, "csrf": _login_csrf(c)})
    assert r.status_code == 401


def test_sign_in_is_refused_with_429_after_five_failures_for_a_name_even_with_the_right_password(desk):
    c = client(desk)
    for _ in range(5):
        assert c.post("/login", data={"name": "drafter", "password": "nope-nope",
                                      "csrf": _login_csrf(c)}).status_code == 401
    r = c.post("/login", data={"name": "drafter", "password": PASSWORD, "csrf": _login_csrf(c)})
    assert r.status_code == 429 and "请一分钟后再试" in r.text
    assert sign_in(desk, "director")                    # another name from the same client still may


def test_sign_in_is_refused_with_429_after_twenty_failures_from_one_client(desk):
    c = client(desk)
    for i in range(20):
        c.post("/login", data={"name": f"guess{i}", "password": "nope-nope", "csrf": _login_csrf(c)})
    r = c.post("/login", data={"name": "drafter", "password": PASSWORD, "csrf": _login_csrf(c)})
    assert r.status_code == 429


def test_a_post_without_its_csrf_token_is_refused_with_403(desk, sample_zip):
    c = sign_in(desk, "drafter")
    r = c.post("/logout", data={})
    assert r.status_code == 403 and "not_permitted" in r.text
    z = sample_zip()
    r = c.post("/desk/submit", files=[("files", (z.name, z.read_bytes(), "application/zip"))])
    assert r.status_code == 403 and "校验码" in r.text
    c2 = client(desk)
    c2.get("/login")
    r = c2.post("/login", data={"name": "drafter", "password": PASSWORD})
    assert r.status_code == 403


def test_pages_need_a_session(desk):
    c = client(desk)
    for path in ("/desk", "/desk/submit", "/desk/queue", "/desk/dossiers/X/sign"):
        assert c.get(path).url.path == "/login"


# ---------------------------------------------------------------- the journey

def test_a_drafter_uploads_the_sample_bundle_and_sees_metadata_findings_and_the_checklist(desk, sample_zip):
    c = sign_in(desk, "drafter")
    r = upload(c, sample_zip())
    assert r.status_code == 200, r.text
    assert "已接收（新卷宗）" in r.text
    assert "发文字号" in r.text and "〔2019〕" in r.text           # extracted metadata
    assert "暂不能签发" in r.text and "stage_not_approved" in r.text
    assert "合法性审核人员（司法局合法性审核员）" in r.text               # who acts next, in words


def test_an_office_chooses_each_file_s_role_and_the_kind_instead_of_naming_files(desk):
    from samples.genhe import bundle_files
    files = bundle_files("complete")
    chosen = {"role_policy": "根政办发〔2019〕36号.docx", "role_interpretation_plan": "解读方案.docx",
              "role_interpretation_material": "政策解读.docx", "role_graphic_interpretation": "一图读懂.png",
              "role_risk_assessment": "舆情风险评估报告.docx"}
    c = sign_in(desk, "drafter")
    form = c.get("/desk/submit").text
    assert all(f'name="{field}"' in form for field in chosen) and "行政规范性文件" in form
    # Names that tell nothing: only the office's choice says what each file is.
    parts = [(field, (f"材料{i}{name[name.rfind('.'):]}", files[name], "application/octet-stream"))
             for i, (field, name) in enumerate(chosen.items())]
    r = c.post("/desk/submit", data={"csrf": csrf_of(c, "/desk/submit"), "kind": "政策性文件"}, files=parts)
    assert r.status_code == 200 and "已接收" in r.text, r.text
    assert "类别：政策性文件" in r.text
    for code in ("risk_assessment_missing", "interpretation_missing", "policy_missing"):
        assert code not in r.text
    assert "解读方案：材料1.docx" in r.text and "舆情风险评估：材料4.docx" in r.text


def test_an_uploaded_file_name_is_only_a_label_never_a_path(desk, sample_zip, tmp_path):
    c = sign_in(desk, "drafter")
    z = sample_zip()
    r = c.post("/desk/submit", data={"csrf": csrf_of(c, "/desk/submit")},
               files=[("files", ("../../../../etc/evil.zip", z.read_bytes(), "application/zip"))])
    assert r.status_code == 200 and "已接收" in r.text
    assert not (tmp_path / "etc").exists()


def test_an_upload_over_the_limit_is_refused_with_bundle_too_large(home):
    auth.set_password(home.path, "drafter", PASSWORD)
    from desk.pages import router_for
    app = FastAPI()
    app.include_router(router_for(home.path, FlowWork(home.path), max_upload=10_000))
    c = sign_in(app, "drafter")
    r = c.post("/desk/submit", data={"csrf": csrf_of(c, "/desk/submit")},
               files=[("files", ("big.zip", b"x" * 20_000, "application/zip"))])
    assert r.status_code == 413 and "bundle_too_large" in r.text


def test_reviewers_find_it_in_their_queue_approve_each_stage_and_the_signer_signs_after(desk, sample_zip):
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip()))
    signer = sign_in(desk, "signer")
    r = signer.post(f"/desk/dossiers/{d}/sign", data={"csrf": csrf_of(signer, f"/desk/dossiers/{d}/sign"),
                                                      "confirm": "yes"})
    assert r.status_code == 409 and "签发被拒绝" in r.text and "stage_not_approved" in r.text
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        c = sign_in(desk, who)
        queue = c.get("/desk/queue").text
        assert d in queue and stage in queue
        r = decide(c, d, stage)
        assert r.status_code == 200 and "已通过" in r.text, r.text
        assert d not in c.get("/desk/queue").text
    r = signer.post(f"/desk/dossiers/{d}/sign", data={"csrf": csrf_of(signer, f"/desk/dossiers/{d}/sign"),
                                                      "confirm": "yes"})
    assert r.status_code == 200 and "已签发" in r.text
    assert registered(1) in r.text
    # The sample names no 施行日期: 待施行 until the gazette issue that carries it is out.
    public = client(desk).get("/register?status=pending")
    assert public.status_code == 200 and registered(1) in public.text
    # The web release the signed page links to, served to anyone from the stored pages.
    anyone = client(desk)
    assert f'href="/site/policies/{d}.html"' in r.text and "已由 市长 签发" in r.text
    policy = anyone.get(f"/site/policies/{d}.html")
    assert policy.status_code == 200 and "政务公开工作要点" in policy.text
    interpretation = anyone.get(f"/site/interpretations/{d}.html")
    assert interpretation.status_code == 200 and "解读" in interpretation.text
    picture = re.search(r'<img src="\.\./(assets/[^"]+)"', interpretation.text).group(1)
    shown = anyone.get(f"/site/{picture}")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert anyone.get(f"/site/policies/{d}x.html").status_code == 404
    assert anyone.get("/site/assets/" + "0" * 64 + ".png").status_code == 404
    assert anyone.get("/site/lockstep.toml/x").status_code == 404


def test_a_reviewer_may_not_act_on_a_stage_outside_their_role(desk, sample_zip):
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip()))
    c = sign_in(desk, "reviewer")
    r = decide(c, d, "unit_check")
    assert r.status_code == 403 and "not_permitted" in r.text


def test_a_person_without_a_role_on_a_dossier_is_told_it_does_not_exist(desk, sample_zip):
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip()))
    editor = sign_in(desk, "editor")
    r = editor.get(f"/desk/dossiers/{d}")
    missing = editor.get("/desk/dossiers/D2019-9999")
    assert r.status_code == missing.status_code == 404 and "not_found" in r.text
    assert "政务服务局" not in r.text
    r = sign_in(desk, "reviewer").get("/desk/submit")
    assert r.status_code == 403 and "not_permitted" in r.text
    r = sign_in(desk, "drafter").get(f"/desk/dossiers/{d}/sign")
    assert r.status_code == 403 and "没有签发权限" in r.text


def test_the_public_register_needs_no_sign_in_and_hides_nothing_but_not_public(desk):
    r = client(desk).get("/register")
    assert r.status_code == 200 and "公开台帐" in r.text and "暂无" in r.text


def test_uploaded_titles_are_escaped_in_pages(home):
    from templates import render
    html = render("desk_queue.html.j2", city="根河市", who=None, csrf=None, role_names={}, file_role_names={},
                  state_names={}, items=[{"dossier": "D", "title": "<script>alert(1)</script>", "doc_number": None,
                                          "drafting_unit": "u", "version": 1, "stage": "s", "stage_name": "s",
                                          "waiting_on": [], "state_name": ""}])
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_a_client_file_name_is_cut_to_a_clean_base_name():
    from desk.forms import safe_name
    taken: set[str] = set()
    assert safe_name("../../etc/passwd", taken, 1) == "passwd"
    assert safe_name("C:\\Users\\x\\解读方案.docx", taken, 2) == "解读方案.docx"
    assert safe_name("解读方案.docx", taken, 3) == "解读方案-2.docx"
    assert safe_name("..", taken, 4) == "upload-4"
    assert safe_name("a\x00b\n.zip", taken, 5) == "ab.zip"


def test_the_review_queue_is_offered_only_to_people_who_review(desk):
    assert 'href="/desk/queue"' not in sign_in(desk, "drafter").get("/desk").text
    assert 'href="/desk/queue"' in sign_in(desk, "reviewer").get("/desk").text


def test_a_signer_signs_in_an_emergency_with_a_reason_and_the_skipped_stages_are_reviewed_after(desk, sample_zip):
    normative = dossier_of(upload(sign_in(desk, "drafter"), sample_zip(doc_number="根政办发〔2019〕38号")))
    d = dossier_of(upload(sign_in(desk, "drafter"), sample_zip(kind="政策性文件")))
    signer = sign_in(desk, "signer")
    form = signer.get(f"/desk/dossiers/{d}/sign").text
    assert "紧急签发" in form and 'name="emergency_reason"' in form
    reason = "森林防火紧急部署，须当日施行"
    r = signer.post(f"/desk/dossiers/{normative}/sign",
                    data={"csrf": csrf_of(signer, f"/desk/dossiers/{normative}/sign"), "emergency_reason": reason,
                          "confirm": "yes"})
    assert r.status_code == 403 and "合法性审核" in r.text and "不能在紧急签发中跳过" in r.text
    r = signer.post(f"/desk/dossiers/{d}/sign", data={"csrf": csrf_of(signer, f"/desk/dossiers/{d}/sign"),
                                                      "emergency_reason": reason, "confirm": "yes"})
    assert r.status_code == 403 and "类别认定" in r.text and "不能在紧急签发中跳过" in r.text
    assert decide(sign_in(desk, "reviewer"), d, "kind_check").status_code in (200, 303)
    r = signer.post(f"/desk/dossiers/{d}/sign", data={"csrf": csrf_of(signer, f"/desk/dossiers/{d}/sign"),
                                                      "emergency_reason": reason, "confirm": "yes"})
    assert r.status_code == 200 and "已签发" in r.text
    history = signer.get(f"/desk/dossiers/{d}").text
    assert "紧急签发" in history and "森林防火紧急" in history
