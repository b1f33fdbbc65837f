"""The desk attacked as drafting offices, reviewers and signers use it (session 10, helper N; issue 14).

One home for the module (a dossier of its own per test, its own 文号); dossiers are taken in and decided
through the services where the attack is not about that step, every attacked surface through the app
(TestClient), the sign-off's publication on the session's Prefect test server."""
from __future__ import annotations

import io
import itertools
import re
import threading
import zipfile

import pytest
from fastapi.testclient import TestClient

from desk import auth
from tests.desk.test_pages import CSRF, PASSWORD, PEOPLE, _login_csrf

pytestmark = pytest.mark.usefixtures("prefect_harness")

SERIALS = itertools.count(60)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from desk.app import create_app
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    root = tmp_path_factory.mktemp("s10-desk")
    home = Home(root / "home")
    initialise(home)
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    return Site(home, open_services(home), create_app(home.path, "test-token"), root)


class Site:
    def __init__(self, home, svc, app, root) -> None:
        self.home, self.svc, self.app, self.root = home, svc, app, root
        self._clients: dict[str, TestClient] = {}

    def as_(self, name: str) -> TestClient:
        """A client signed in as `name`, one per person for the module (scrypt costs ~0.4 s a sign-in)."""
        if name not in self._clients:
            c = TestClient(self.app, base_url="http://testserver")
            r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf": _login_csrf(c)})
            assert r.status_code == 200 and "您好" in r.text, r.text[:300]
            self._clients[name] = c
        return self._clients[name]

    def bundle(self, revised: bool = False, **kw):
        """A sample bundle with a 文号 of its own; `revised`: 一、（二） has a sentence added."""
        from docx import Document

        from samples.genhe import bundle_files
        n = kw.pop("serial", None) or next(SERIALS)
        kw.setdefault("doc_number", f"根政办发〔2026〕{n}号")
        kw.setdefault("inner_title", f"根河市政务公开工作要点（第{n}号）")
        files = bundle_files(**kw)
        if revised:
            policy = next(x for x in files if x.endswith("号.docx"))
            doc = Document(io.BytesIO(files[policy]))
            para = next(p for p in doc.paragraphs if p.text.startswith("（二）积极回应社会关切"))
            para.runs[-1].text += "回应时限为三个工作日。"
            out = io.BytesIO()
            doc.save(out)
            files[policy] = out.getvalue()
        path = self.root / f"bundle-{n}-{'v2' if revised else 'v1'}.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return path, n

    def dossier(self, **kw) -> tuple[str, int]:
        from services.dossiers.intake import intake_bundle
        path, n = self.bundle(**kw)
        result = intake_bundle([path], "drafter", self.svc)
        assert result.accepted, result.problems
        return result.dossier, n

    def approve(self, d: str) -> None:
        from services.review.actions import record_decision
        for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
            record_decision(self.svc, d, stage, "approve", "同意", who)

    def state(self, d: str) -> str:
        with self.svc.unit() as uow:
            return uow.dossiers.require(d).state


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden and checked fields of the form posting to `action`, as a browser would send them."""
    form = html.split(f'action="{action}', 1)[1].split("</form>", 1)[0]
    out = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("checkbox", "radio") and "checked" not in tag
                        and name.group(1) != "confirm"):
            continue
        if kind and kind.group(1) == "file":
            continue
        out[name.group(1)] = value.group(1) if value else ""
    return out


def csrf(c: TestClient, path: str = "/desk") -> str:
    return CSRF.search(c.get(path).text).group(1)


# ---------------------------------------------------------------- 1. sign-in

@pytest.mark.parametrize("target", [
    "https:evil.example", "https:/evil.example", "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%2f%5cevil.example",
    "/\r\nLocation: https://evil.example", "/\x00/evil.example", "/\u3000/evil.example/" + "a" * 3000,
    "javascript:alert(1)//", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
])
def test_no_return_target_leaves_the_desk(target):
    assert auth.safe_next(target) is None, target


def test_an_encoded_line_break_in_the_return_target_stays_encoded_in_the_location(site):
    c = TestClient(site.app, base_url="http://testserver")
    target = "/desk/register?x=%0d%0aSet-Cookie:%20evil=1"
    r = c.post("/login", data={"name": "editor", "password": PASSWORD, "csrf": _login_csrf(c), "next": target},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == target
    assert "evil" not in r.headers.get("set-cookie", "") and not any(k.lower() == "evil" for k in r.cookies)


def test_a_disabled_persons_session_and_token_stop_at_once_on_pages_and_the_api(site):
    from services.home.people import add_person, disable_person
    add_person(site.home, "qian", "根河市政务服务局", ["drafter"], "钱科员", "test")
    auth.set_password(site.home.path, "qian", PASSWORD)
    c = site.as_("qian")
    token = auth.issue_token(site.home.path, "qian")
    api = TestClient(site.app, base_url="http://testserver", headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/me").status_code == 200
    form_token = csrf(c, "/desk/submit")
    disable_person(site.home, "qian", "test")
    r = c.get("/desk", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert c.get("/inbox", follow_redirects=False).status_code == 303
    r = c.post("/desk/submit", data={"csrf": form_token}, files=[("files", ("a.zip", b"x", "application/zip"))],
               follow_redirects=False)
    assert r.status_code in (303, 401, 403) and "已接收" not in r.text
    assert api.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/queue").status_code == 401


# ---------------------------------------------------------------- 2. the sign page

def test_an_old_sign_form_replayed_after_a_new_version_was_approved_signs_nothing_unseen(site):
    """The signer checked version 1 on the sign page; a version 2 came in and went through every stage;
    the form of version 1, posted now, would sign (and publish) version 2, which the signer never saw."""
    from services.dossiers.intake import intake_bundle
    d, n = site.dossier()
    site.approve(d)
    signer = site.as_("signer")
    page = signer.get(f"/desk/dossiers/{d}/sign").text
    old = form_fields(page, f"/desk/dossiers/{d}/sign")
    path, _ = site.bundle(revised=True, serial=n)
    assert intake_bundle([path], "drafter", site.svc, dossier_hint=d).accepted
    site.approve(d)
    r = signer.post(f"/desk/dossiers/{d}/sign", data={**old, "confirm": "yes"})
    assert r.status_code == 409 and "已签发" not in r.text, r.text[:500]
    assert "第 2 版" in TAG.sub("", r.text)
    assert site.state(d) not in ("signed_off", "published")
    fresh = form_fields(r.text, f"/desk/dossiers/{d}/sign")       # the page again, now of version 2
    r = signer.post(f"/desk/dossiers/{d}/sign", data={**fresh, "confirm": "yes"})
    assert r.status_code == 200 and "已签发" in r.text


def test_an_old_sign_form_replayed_after_the_gate_closed_is_refused(site):
    from services.dossiers.intake import intake_bundle
    d, n = site.dossier()
    site.approve(d)
    signer = site.as_("signer")
    old = form_fields(signer.get(f"/desk/dossiers/{d}/sign").text, f"/desk/dossiers/{d}/sign")
    path, _ = site.bundle(revised=True, serial=n)
    assert intake_bundle([path], "drafter", site.svc, dossier_hint=d).accepted      # the gate closes
    r = signer.post(f"/desk/dossiers/{d}/sign", data={**old, "confirm": "yes"})
    assert r.status_code in (409, 422) and "已签发" not in r.text
    assert site.state(d) not in ("signed_off", "published")


def test_a_decision_is_recorded_only_on_the_version_the_reviewer_read(site):
    """The review page checks the version its form read before deciding; a version taken in between
    that check and the decision's transaction was decided unread. The transaction checks it now."""
    from documents.problems import Refused
    from services.dossiers.intake import intake_bundle
    from services.review.actions import record_decision, status
    d, n = site.dossier()
    path, _ = site.bundle(revised=True, serial=n)
    assert intake_bundle([path], "drafter", site.svc, dossier_hint=d).accepted          # version 2
    with pytest.raises(Refused) as refused:
        record_decision(site.svc, d, "unit_check", "approve", "同意", "director", version=1)
    assert refused.value.problem.code == "invalid_state" and "第 2 版" in refused.value.problem.message
    assert not [x for x in status(site.svc, d).decisions if x.stage == "unit_check"]
    record_decision(site.svc, d, "unit_check", "approve", "同意", "director", version=2)


@pytest.mark.parametrize("typed", ["2026年12月10日 9:00", "2026-13-01T09:00", "明天上午九点"])
def test_a_publish_time_the_desk_cannot_read_never_publishes_at_once(site, typed):
    """定时发布 typed where the browser shows a plain text box (an old browser, compatibility mode): a time
    the desk cannot read was taken as blank, and the signer's scheduled release went public at once."""
    d, _ = site.dossier()
    site.approve(d)
    signer = site.as_("signer")
    fields = form_fields(signer.get(f"/desk/dossiers/{d}/sign").text, f"/desk/dossiers/{d}/sign")
    r = signer.post(f"/desk/dossiers/{d}/sign", data={**fields, "confirm": "yes", "publish_at": typed})
    assert r.status_code == 400 and "已签发" not in r.text, (r.status_code, TAG.sub("", r.text)[-300:])
    assert "定时发布" in TAG.sub("", r.text)
    assert site.state(d) not in ("signed_off", "published")


def test_a_double_submit_at_once_signs_and_releases_once(site):
    d, _ = site.dossier()
    site.approve(d)
    signer = site.as_("signer")
    fields = {**form_fields(signer.get(f"/desk/dossiers/{d}/sign").text, f"/desk/dossiers/{d}/sign"), "confirm": "yes"}
    answers: list = []
    start = threading.Barrier(2)

    def post():
        start.wait()
        answers.append(signer.post(f"/desk/dossiers/{d}/sign", data=fields))
    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    codes = sorted(r.status_code for r in answers)
    assert len(codes) == 2 and codes[0] in (200, 202) and codes[1] == 409, codes
    assert sum("已签发" in r.text and "已于此前签发" not in r.text for r in answers) == 1
    with site.svc.unit() as uow:
        signed = [e.name for e in uow.audit.history(d) if e.name.endswith("signed_off")]
        published = [e.name for e in uow.audit.history(d) if e.name == "dossier.published"]
        jobs = uow.jobs.of("publish", d)
    assert signed == ["dossier.signed_off"] and len(published) <= 1 and len(jobs) == 1, (signed, published, jobs)


def test_to_sign_lists_only_open_gates_and_never_to_the_signer_who_submitted(site):
    """A person who drafts and signs (a small office's head) submits: the dossier is 本单位卷宗 to them,
    never 待签发, and their sign page refuses; another signer has it once its gate is open."""
    from services.dossiers.intake import intake_bundle
    from services.home.people import add_person
    add_person(site.home, "zhou", "根河市政务服务局", ["drafter", "signer"], "周主任", "test")
    auth.set_password(site.home.path, "zhou", PASSWORD)
    path, _ = site.bundle()
    from services.home.context import open_services
    from services.home.folder import Home
    d = intake_bundle([path], "zhou", open_services(Home(site.home.path))).dossier
    signer, zhou = site.as_("signer"), site.as_("zhou")
    assert f"/desk/dossiers/{d}/sign" not in signer.get("/desk").text           # gate not open yet
    site.approve(d)
    assert f"/desk/dossiers/{d}/sign" in signer.get("/desk").text
    home = zhou.get("/desk").text
    assert d in home and f"/desk/dossiers/{d}/sign" not in home
    r = zhou.post(f"/desk/dossiers/{d}/sign", data={**form_fields(signer.get(f"/desk/dossiers/{d}/sign").text,
                                                                  f"/desk/dossiers/{d}/sign"),
                                                    "csrf": csrf(zhou), "confirm": "yes"})
    assert r.status_code in (403, 409) and "已签发" not in r.text.replace("不能签发", "")
    assert site.state(d) not in ("signed_off", "published")


def test_a_double_click_on_approve_records_one_decision_and_takes_one_opinion_number(site):
    from services.review.actions import record_decision, status
    d, _ = site.dossier()
    record_decision(site.svc, d, "unit_check", "approve", "同意", "director")
    reviewer = site.as_("reviewer")
    page = reviewer.get(f"/desk/dossiers/{d}/review").text
    fields = {**form_fields(page, f"/desk/dossiers/{d}/decide"), "stage": "legality", "verdict": "approve",
              "comment": "同意"}
    answers: list = []
    start = threading.Barrier(2)

    def post():
        start.wait()
        answers.append(reviewer.post(f"/desk/dossiers/{d}/decide", data=fields))
    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r.status_code < 500 for r in answers), [r.status_code for r in answers]
    legality = [x for x in status(site.svc, d).decisions if x.stage == "legality"]
    assert len(legality) == 1, [(x.verdict, x.opinion_number) for x in legality]
    from documents.problems import Refused
    with pytest.raises(Refused) as again:                 # and one after the other: refused, no number taken
        record_decision(site.svc, d, "legality", "approve", "同意", "reviewer")
    assert again.value.problem.code == "invalid_state" and "已在第 1 版上通过" in again.value.problem.message
    with site.svc.unit() as uow:
        assert len(uow.dossiers.opinions(d)) == 1


# ---------------------------------------------------------------- 3. returns and 修改说明

REASONS = ["一、（二）：回应时限表述不清", "请补充起草说明"]
OTHER_REASONS = ["请补充上位法依据", "一、（二）：回应时限表述不清"]


def _returned(site, reasons=REASONS, stage="unit_check", who="director") -> tuple[str, int]:
    from services.review.actions import record_decision
    d, n = site.dossier()
    record_decision(site.svc, d, stage, "return", "请修改", who, list(reasons))
    return d, n


@pytest.mark.parametrize("key", ["answer_²", "answer_" + "9" * 5000])
def test_an_answer_box_with_an_odd_number_is_a_refusal_not_a_500(site, key):
    d, n = _returned(site)
    drafter = site.as_("drafter")
    path, _ = site.bundle(revised=True, serial=n)
    r = drafter.post("/desk/submit", data={"csrf": csrf(drafter, f"/desk/dossiers/{d}"), "dossier": d, key: "已修改"},
                     files=[("files", ("v2.zip", path.read_bytes(), "application/zip"))])
    assert r.status_code in (400, 422) and 'id="refusal"' in r.text, (r.status_code, r.text[:300])
    from services.review.actions import status
    assert status(site.svc, d).version == 1


def test_answers_written_for_one_dossiers_return_are_not_filed_against_anothers(site):
    """The office opens dossier A's form (its reasons' boxes), then types dossier B's number into the
    dossier field: the answers were written for A's reasons, B's reason 1 is another reason."""
    a, _ = _returned(site, REASONS)
    b, nb = _returned(site, OTHER_REASONS)
    drafter = site.as_("drafter")
    fields = form_fields(drafter.get("/desk/submit", params={"dossier": a}).text, "/desk/submit")
    path, _ = site.bundle(revised=True, serial=nb)
    r = drafter.post("/desk/submit", data={**fields, "dossier": b, "answer_1": "已明确回应时限为三个工作日",
                                           "answer_2": "已补充起草说明"},
                     files=[("files", ("v2.zip", path.read_bytes(), "application/zip"))])
    assert r.status_code == 422 and 'id="refusal"' in r.text, r.status_code
    assert "请补充上位法依据" in r.text                # B's own reasons, to answer afresh
    assert "另一次退回意见" in r.text and "已明确回应时限为三个工作日" not in r.text     # not put in B's boxes
    from services.review.actions import status
    assert status(site.svc, b).version == 1


def test_answers_written_for_an_older_return_are_not_filed_against_the_latest(site):
    """The office's form shows return 1's reasons; meanwhile a colleague resubmitted and the reviewer
    returned version 2 with other reasons. The old form's answer_1 is not an answer to the new reason 1."""
    from services.dossiers.intake import intake_bundle
    from services.review.actions import record_decision, status
    d, n = _returned(site, REASONS)
    drafter = site.as_("drafter")
    old = form_fields(drafter.get(f"/desk/dossiers/{d}").text, "/desk/submit")
    path, _ = site.bundle(revised=True, serial=n)
    assert intake_bundle([path], "drafter", site.svc, dossier_hint=d, answers=["理由1=已改", "理由2=已补"]).accepted
    record_decision(site.svc, d, "unit_check", "return", "再改", "director", list(OTHER_REASONS))
    path3, _ = site.bundle(serial=n, date_text="2019年8月6日")
    r = drafter.post("/desk/submit", data={**old, "answer_1": "已明确回应时限为三个工作日"},
                     files=[("files", ("v3.zip", path3.read_bytes(), "application/zip"))])
    assert r.status_code == 422 and 'id="refusal"' in r.text, r.status_code
    assert "请补充上位法依据" in r.text and "另一次退回意见" in r.text
    assert status(site.svc, d).version == 2
    fresh = form_fields(r.text, "/desk/submit")          # the form again, of the latest return: received
    r = drafter.post("/desk/submit", data={**fresh, "answer_1": "已补充上位法依据"},
                     files=[("files", ("v3.zip", path3.read_bytes(), "application/zip"))])
    assert r.status_code == 200 and "已接收" in r.text, r.text[:300]


def test_two_different_answers_to_one_reason_and_blank_answers(site):
    d, n = _returned(site)
    drafter = site.as_("drafter")
    path, _ = site.bundle(revised=True, serial=n)
    base = form_fields(drafter.get(f"/desk/dossiers/{d}").text, "/desk/submit")
    r = drafter.post("/desk/submit", data={**base, "answer_1": "甲", "answer_01": "乙"},
                     files=[("files", ("v2.zip", path.read_bytes(), "application/zip"))])
    assert r.status_code == 422 and "两条不同的修改说明" in r.text


def test_a_resubmission_too_large_to_read_returns_to_the_form_of_its_dossier(site):
    """Refused on its declared size before any field is read: the form came back as a new dossier's
    (作为已有卷宗的新版本提交 empty, no 修改说明 boxes), inviting the office to file a new dossier."""
    import httpx
    d, _ = _returned(site)
    drafter = site.as_("drafter")
    page = drafter.get(f"/desk/dossiers/{d}").text
    action = re.search(r'action="(/desk/submit[^"]*)"', page).group(1).replace("&amp;", "&")
    body = httpx.Request("POST", "http://testserver/", data=form_fields(page, "/desk/submit"),
                         files=[("files", ("v2.zip", b"x" * 1000, "application/zip"))])
    r = drafter.post(action, content=body.read(), headers={"content-type": body.headers["content-type"],
                                                           "content-length": str(200 * 1024 * 1024)})
    assert r.status_code == 413 and "bundle_too_large" in r.text
    assert f'value="{d}"' in r.text and 'name="answer_1"' in r.text and "请补充起草说明" in r.text


@pytest.mark.parametrize("blank", ["\u200b\u200b", "\u3164\u3164", "\u2800", "。。。", "\ufeff\u2060"])
def test_an_answer_of_invisible_characters_is_not_an_answer(site, blank):
    """A 修改说明 box holding only zero-width spaces, a Hangul filler, a blank braille cell or dots looks
    empty to the reviewer: it must not count as answered (the reason would not be flagged 未答复)."""
    from services.review.actions import gate_answer
    d, n = _returned(site)
    drafter = site.as_("drafter")
    path, _ = site.bundle(revised=True, serial=n)
    fields = form_fields(drafter.get(f"/desk/dossiers/{d}").text, "/desk/submit")
    r = drafter.post("/desk/submit", data={**fields, "answer_1": blank, "answer_2": "已补充起草说明"},
                     files=[("files", ("v2.zip", path.read_bytes(), "application/zip"))])
    if r.status_code == 200:            # received: reason 1 stays 未答复
        returned = gate_answer(site.svc, d).returned
        assert [x.number for x in returned.unanswered] == [1], returned
    else:
        assert r.status_code in (400, 422) and 'id="refusal"' in r.text


def test_a_superscript_digit_in_a_number_field_is_a_refusal_not_a_500(site):
    """"²".isdigit() is True but int("²") raises: every page that read a number with isdigit() then
    int() answered a 500 for ?version=², ?old=², ?year=², ?page=², a 第²次 session number."""
    from services.review.actions import record_decision
    d, _ = site.dossier()
    record_decision(site.svc, d, "unit_check", "approve", "同意", "director")
    record_decision(site.svc, d, "legality", "approve", "同意", "reviewer")
    asks = [("drafter", f"/desk/dossiers/{d}/deliberation/minutes?version=²"),
            ("director", f"/desk/dossiers/{d}/review?old=²&new=1"),
            ("director", f"/desk/dossiers/{d}/review?old=1&new=³"),
            ("editor", "/desk/annual-report?year=²⁰²⁶"),
            ("drafter", f"/desk/dossiers/{d}/consultation?page=²"),
            ("drafter", f"/desk/dossiers/{d}/consultation?done=imported&skipped=²")]
    for who, path in asks:
        c = TestClient(site.app, base_url="http://testserver", raise_server_exceptions=False,
                       cookies=site.as_(who).cookies)
        r = c.get(path)
        assert r.status_code < 500, (who, path, r.status_code)
    secretary = site.as_("secretary")
    c = TestClient(site.app, base_url="http://testserver", raise_server_exceptions=False, cookies=secretary.cookies)
    r = c.post(f"/desk/dossiers/{d}/deliberation", follow_redirects=False,
               data={"csrf": csrf(secretary, f"/desk/dossiers/{d}/review"), "meeting": "市政府常务会议",
                     "session_number": "¹²", "held_on": "2026-12-01"})
    assert r.status_code in (303, 400, 422), r.status_code


# ---------------------------------------------------------------- 4. markup in every page

EVIL = "<script>alert(7)</script>\"><img src=x onerror=alert(8)>{{ 7*7 }}{% raw %}"


def _no_markup(html: str, where: str) -> None:
    assert "<script>alert(7)" not in html and "<img src=x" not in html, where
    assert "{% raw %}" not in html or "&lt;" in html, where


def test_markup_in_reasons_comments_and_meeting_records_is_shown_as_text_everywhere(site):
    from services.review.actions import record_decision
    d, _ = site.dossier()
    record_decision(site.svc, d, "unit_check", "return", EVIL, "director",
                    [f"一、（二）：{EVIL}", f"解读：问2：{EVIL}\u202e", "请补充说明<script>alert(7)</script>"])
    drafter = site.as_("drafter")
    for path in (f"/desk/dossiers/{d}", f"/desk/submit?dossier={d}", "/inbox", "/desk"):
        r = drafter.get(path)
        assert r.status_code == 200, path
        _no_markup(r.text, path)
    assert "&lt;script&gt;alert(7)" in drafter.get(f"/desk/dossiers/{d}").text
    director = site.as_("director")
    for path in (f"/desk/dossiers/{d}/review", f"/desk/dossiers/{d}"):
        _no_markup(director.get(path).text, path)


def test_markup_in_the_legality_opinion_is_text_in_the_docx(site):
    import docx
    from services.review.actions import record_decision
    d, _ = site.dossier()
    record_decision(site.svc, d, "unit_check", "approve", "同意", "director")
    record_decision(site.svc, d, "legality", "return", f"意见{EVIL}", "reviewer", [f"一、（二）：{EVIL}"])
    reviewer = site.as_("reviewer")
    page = reviewer.get(f"/desk/dossiers/{d}/review").text
    link = re.search(r'href="(/desk/dossiers/[^"]+/opinions/[^"]+)" class="opinion-link"', page).group(1)
    r = reviewer.get(link)
    assert r.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    assert "{{ 7*7 }}" in text and "49" not in text.replace("2049", "") and "<script>alert(7)</script>" in text


def test_a_meeting_name_and_minutes_file_name_with_markup_and_search_with_wildcards(site):
    from services.review.actions import record_decision
    from tests.storage.test_deliberation import DELIBERATION_LINE, MINUTES
    text = site.home.config_path.read_text(encoding="utf-8")
    if "meeting_record = true" not in text:
        site.home.config_path.write_text(text.replace(DELIBERATION_LINE, DELIBERATION_LINE[:-2]
                                                      + ", meeting_record = true }"), encoding="utf-8")
    d, _ = site.dossier()
    record_decision(site.svc, d, "unit_check", "approve", "同意", "director")
    record_decision(site.svc, d, "legality", "approve", "同意", "reviewer")
    secretary = site.as_("secretary")
    r = secretary.post(f"/desk/dossiers/{d}/deliberation", follow_redirects=False,
                       data={"csrf": csrf(secretary, f"/desk/dossiers/{d}/review"), "meeting": f"常务会议{EVIL}",
                             "session_number": "12", "held_on": "2026-12-01"},
                       files=[("minutes", (f"纪要{EVIL}.docx", MINUTES, "application/octet-stream"))])
    assert r.status_code == 303, r.text[:500]
    for path in (f"/desk/dossiers/{d}/review", f"/desk/dossiers/{d}"):
        _no_markup(secretary.get(path).text, path)
    for q in ("_", "\\", "%%", "\\%", "常务会议<script>", "a" * 5000, "\x00", "会议\x00%"):
        r = secretary.get("/desk/deliberations", params={"q": q})
        assert r.status_code in (200, 400), (q[:20], r.status_code)
        _no_markup(r.text, q[:20])
        if q in ("_", "\\", "%%", "\\%"):
            assert 'id="meeting-hits"' not in r.text or d not in r.text, q
    hits = secretary.get("/desk/deliberations", params={"q": "常务会议<script>"}).text
    assert d in hits
    signer = site.as_("signer")
    site_sign = signer.get(f"/desk/dossiers/{d}/sign")
    _no_markup(site_sign.text, "sign")


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_a_direction_override_in_a_title_does_not_reorder_what_the_signer_reads(site):
    """A title whose 《…》 is followed by U+202E (RIGHT-TO-LEFT OVERRIDE) shows its tail backwards: the
    sign page would show another title than the one signed. Pages show the characters as stored, in order."""
    n = next(SERIALS)
    d, _ = site.dossier(serial=n, title=f"根河市人民政府办公室关于印发《根河市政务公开工作要点（第{n}号）》的\u202e知通废止\u202c")
    with site.svc.unit() as uow:
        assert "\u202e" in uow.dossiers.require(d).title       # stored as the document has it
    site.approve(d)
    pages = {"signer": (f"/desk/dossiers/{d}/sign", "/desk", "/inbox", f"/desk/dossiers/{d}"),
             "drafter": (f"/desk/dossiers/{d}", "/desk"), "director": ("/inbox",)}
    for who, paths in pages.items():
        for path in paths:
            html = site.as_(who).get(path).text
            assert d in html or path == "/inbox", (who, path)
            assert not set(BIDI) & set(html), (who, path)


def test_a_direction_override_in_a_title_reaches_neither_the_opinion_nor_a_notice(site):
    import docx

    from services.home.notifications import inbox
    from services.review.actions import record_decision
    n = next(SERIALS)
    d, _ = site.dossier(serial=n, title=f"根河市人民政府办公室关于印发《根河市政务公开工作要点（第{n}号）》的\u202e知通废止\u202c")
    record_decision(site.svc, d, "unit_check", "approve", "同意", "director")
    record_decision(site.svc, d, "legality", "return", "请修改\u2067", "reviewer", ["一、（二）：表述\u202e不清"])
    notices = [x for p in ("reviewer", "drafter") for x in inbox(site.svc, p) if x.dossier_id == d]
    assert len(notices) >= 2
    for x in notices:                       # what is mailed: subject and body as stored
        assert not set(BIDI) & set(x.subject + x.body), (x.kind, x.subject)
    reviewer = site.as_("reviewer")
    page = reviewer.get(f"/desk/dossiers/{d}/review").text
    link = re.search(r'href="(/desk/dossiers/[^"]+/opinions/[^"]+)" class="opinion-link"', page).group(1)
    document = docx.Document(io.BytesIO(reviewer.get(link).content))
    text = "".join(p.text for p in document.paragraphs) + document.core_properties.title
    assert "知通废止" in text and not set(BIDI) & set(text)


def test_the_meeting_search_finds_what_a_person_may_see_behind_many_they_may_not(site):
    """The search took the newest limit×4 records and only then left out what the person may not see:
    an editor (who sees signed dossiers only) found nothing when newer meetings of unsigned ones came first."""
    import datetime as dt

    from services.review.actions import record_decision, record_sign_off
    from services.review.deliberation import record_deliberation, search_deliberations
    from tests.storage.test_deliberation import MINUTES
    made = []
    for k in range(5):
        d, _ = site.dossier()
        record_decision(site.svc, d, "unit_check", "approve", "同意", "director")
        record_decision(site.svc, d, "legality", "approve", "同意", "reviewer")
        record_deliberation(site.svc, d, meeting="市政府驯鹿专题会议", session_number=k + 1,
                            held_on=dt.date(2026, 11, 1 + k), minutes_name="纪要.docx", minutes=MINUTES,
                            actor_name="secretary")
        made.append(d)
    signed = made[0]                                  # the oldest meeting: its dossier signed
    record_decision(site.svc, signed, "deliberation", "approve", "同意", "secretary")
    record_sign_off(site.svc, signed, "signer")
    hits = search_deliberations(site.svc, "驯鹿专题", "editor", limit=1)
    assert [h.dossier for h in hits] == [signed], hits
    assert len(search_deliberations(site.svc, "驯鹿专题", "signer", limit=50)) == 5


def test_a_meeting_record_form_of_one_version_never_records_the_meeting_for_another(site):
    """The secretary's form said 第 1 版; version 2 came in and was approved up to 集体审议; the form of
    version 1 posted now recorded that meeting as the one that deliberated version 2."""
    from services.dossiers.intake import intake_bundle
    from services.review.actions import record_decision
    from tests.storage.test_deliberation import MINUTES
    d, n = site.dossier()
    for stage, who in (("unit_check", "director"), ("legality", "reviewer")):
        record_decision(site.svc, d, stage, "approve", "同意", who)
    secretary = site.as_("secretary")
    old = form_fields(secretary.get(f"/desk/dossiers/{d}/review").text, f"/desk/dossiers/{d}/deliberation")
    assert old.get("version") == "1"
    path, _ = site.bundle(revised=True, serial=n)
    assert intake_bundle([path], "drafter", site.svc, dossier_hint=d).accepted
    for stage, who in (("unit_check", "director"), ("legality", "reviewer")):
        record_decision(site.svc, d, stage, "approve", "同意", who)
    fields = {**old, "meeting": "市政府常务会议", "session_number": "12", "held_on": "2026-12-01"}
    minutes = [("minutes", ("第12次常务会议纪要.docx", MINUTES, "application/octet-stream"))]
    r = secretary.post(f"/desk/dossiers/{d}/deliberation", data=fields, files=minutes, follow_redirects=False)
    assert r.status_code == 409 and "第 2 版" in TAG.sub("", r.text), r.status_code
    with site.svc.unit() as uow:
        assert uow.deliberations.for_version(d, 2) is None
    fresh = form_fields(r.text, f"/desk/dossiers/{d}/deliberation")
    r = secretary.post(f"/desk/dossiers/{d}/deliberation", data={**fields, **fresh}, files=minutes,
                       follow_redirects=False)
    assert r.status_code == 303


# ---------------------------------------------------------------- 5. notifications

def test_a_reason_with_line_breaks_adds_no_mail_header_and_mails_only_the_submitter(site):
    import tomlkit

    from services.home.context import open_services
    from services.home.folder import Home
    from services.home.notifications import send_pending
    from services.review.actions import record_decision
    from tests.support.smtp import mailbox
    with mailbox() as box:
        doc = tomlkit.parse(site.home.config_path.read_text(encoding="utf-8"))
        for p in doc["people"]:
            p["email"] = f"{p['name']}@genhe.gov.cn"
        doc["mail"] = {"host": "127.0.0.1", "port": box.port, "from": "lockstep@genhe.gov.cn", "timeout": 5}
        site.home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")
        try:
            svc = open_services(Home(site.home.path))
            send_pending(svc)                                    # what earlier tests left
            box.messages.clear()
            d, _ = site.dossier(title="关于印发《根河市\r\nBcc: evil@evil.example\r\n政务公开工作要点》的通知")
            record_decision(svc, d, "unit_check", "return", "请修改\r\nBcc: evil@evil.example", "director",
                            ["一、（二）：表述不清\r\nBcc: evil@evil.example\r\n\r\n<script>"])
            result = send_pending(svc)
            assert not result.failed and not result.retrying, result
            for m in box.messages:
                msg = m.message
                assert msg["Bcc"] is None and msg["Cc"] is None
                assert all("evil" not in a for a in m.recipients)
                assert "\n" not in str(msg["Subject"]) and "evil.example" not in str(msg["To"])
            assert {r for m in box.messages for r in m.recipients} <= {"drafter@genhe.gov.cn", "director@genhe.gov.cn"}
        finally:
            doc = tomlkit.parse(site.home.config_path.read_text(encoding="utf-8"))
            del doc["mail"]
            site.home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")


def test_a_display_name_with_a_line_break_neither_adds_a_header_nor_stops_the_other_mail(site):
    """A person entered with `users add --display` pasted from a spreadsheet cell ("孙科员\\n…"): the To
    header cannot hold a line break. That notice must not stop the sender: the mail after it goes."""
    import datetime as dt

    import tomlkit

    from services.home.context import open_services
    from services.home.folder import Home
    from services.home.notifications import send_pending
    from services.home.people import add_person
    from tests.support.smtp import mailbox
    add_person(site.home, "sun", "根河市司法局", ["legal_reviewer"], "孙科员\r\nBcc: evil@evil.example", "test")
    with mailbox() as box:
        doc = tomlkit.parse(site.home.config_path.read_text(encoding="utf-8"))
        doc["mail"] = {"host": "127.0.0.1", "port": box.port, "from": "lockstep@genhe.gov.cn", "timeout": 5}
        site.home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")
        try:
            svc = open_services(Home(site.home.path))
            send_pending(svc)
            box.messages.clear()
            now = dt.datetime.now(dt.timezone.utc)
            with svc.unit() as uow:         # two notices in the outbox, the odd one first
                for key, who, address in (("s10:odd", "sun", "sun@sfj.genhe.gov.cn"),
                                          ("s10:bad", "reviewer", "reviewer@sfj.genhe.gov.cn\r\nBcc: evil@evil.example"),
                                          ("s10:plain", "reviewer", "reviewer@sfj.genhe.gov.cn")):
                    uow.notifications.add(key=key, person=who, kind="queue", subject="【待审核】《测试\n文件》",
                                          body="正文", at=now, address=address)
            result = send_pending(svc)
            got = {r for m in box.messages for r in m.recipients}
            assert got == {"reviewer@sfj.genhe.gov.cn", "sun@sfj.genhe.gov.cn"}, result
            assert len(result.failed) == 1 and "无法组成" in result.failed[0]["note"], result      # told, not retried
            assert not any("evil" in r for r in got)
            for m in box.messages:
                assert m.message["Bcc"] is None and "\n" not in str(m.message["Subject"])
        finally:
            doc = tomlkit.parse(site.home.config_path.read_text(encoding="utf-8"))
            del doc["mail"]
            site.home.config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")


def test_a_deadline_check_run_twice_at_once_tells_each_person_once(site):
    import datetime as dt

    from services.home.context import open_services
    from services.home.folder import Home
    from services.home.notifications import deadline_notices, inbox
    from services.review.actions import record_decision
    d, _ = site.dossier()
    record_decision(site.svc, d, "unit_check", "approve", "同意", "director")
    on = dt.date.today() + dt.timedelta(days=60)              # the legality review is overdue by then
    errors: list = []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait()
            deadline_notices(open_services(Home(site.home.path)), on)
        except Exception as e:      # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    deadline_notices(site.svc, on)
    mine = [n for n in inbox(site.svc, "reviewer") if n.dossier_id == d and n.kind in ("overdue", "due_soon")]
    assert len(mine) == 1, [(n.kind, n.subject) for n in mine]


def test_a_page_address_with_a_word_where_a_number_belongs_is_a_chinese_page_not_english_json(site):
    """/inbox/abc/open answered FastAPI's own 422 JSON ("Input should be a valid integer") on a desk page."""
    drafter = site.as_("drafter")
    token = csrf(drafter, "/inbox")
    for path in ("/inbox/abc/open", "/desk/dossiers/D2026-0001/consultation/comments/abc/adopt",
                 "/desk/dossiers/D2026-0001/consultation/comments/1e3/moderate"):
        r = drafter.post(path, data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), (path, r.status_code)
        assert 'lang="zh-CN"' in r.text and "Input should" not in r.text and "detail" not in r.text
    api = TestClient(site.app, base_url="http://testserver")          # the API keeps its problem shape
    r = api.post("/api/v1/dossiers/D2026-0001/decisions", content=b"{")
    assert r.headers["content-type"].startswith("application/json")


# ---------------------------------------------------------------- a NUL character on PostgreSQL

@pytest.fixture
def pg_desk(tmp_path, monkeypatch):
    """A home on a real PostgreSQL of its own (initdb + start, ~1 s), its desk app."""
    import uuid

    from desk.app import create_app
    from services.home import context
    from services.home.context import initialise
    from services.home.folder import Home
    from tests.support.postgres import postgres_server
    with postgres_server() as pg:
        monkeypatch.setenv("LOCKSTEP_DATABASE_URL", pg.create_database(f"t_{uuid.uuid4().hex[:12]}"))
        home = Home(tmp_path / "home")
        _, svc = initialise(home)
        assert svc.engine.dialect.name == "postgresql"
        for name in ("secretary", "drafter"):
            auth.set_password(home.path, name, PASSWORD)
        try:
            yield home, create_app(home.path, "test-token")
        finally:
            context._engines.pop(svc.home.database_url, None)
            svc.engine.dispose()


def test_a_nul_character_in_a_search_an_address_or_a_name_is_refused_not_a_500_on_postgresql(pg_desk):
    """PostgreSQL cannot hold U+0000 in text: a search, a dossier number in the address or a sign-in name
    holding one failed inside the database driver, and the desk answered a bare English 500."""
    home, app = pg_desk
    c = TestClient(app, base_url="http://testserver", raise_server_exceptions=False)
    r = c.post("/login", data={"name": "secretary\x00", "password": "x" * 12, "csrf": _login_csrf(c)})
    assert r.status_code in (400, 401), r.status_code
    r = c.post("/login", data={"name": "drafter", "password": PASSWORD, "csrf": _login_csrf(c)})
    assert r.status_code == 200 and "您好" in r.text
    for path, params in (("/desk/deliberations", {"q": "会议\x00"}), ("/desk/dossiers/D2026-0001%00", None),
                         ("/desk/dossiers/%00/review", None), ("/desk/submit", {"dossier": "\x00"})):
        r = c.get(path, params=params)
        assert r.status_code in (400, 403, 404) and any(x in r.text for x in ("request_invalid", "not_found")), \
            (path, r.status_code, r.text[-200:])
        assert "Internal Server Error" not in r.text
    token = auth.issue_token(home.path, "drafter")
    api = TestClient(app, base_url="http://testserver", raise_server_exceptions=False,
                     headers={"Authorization": f"Bearer {token}"})
    r = api.get("/api/v1/dossiers/D2026-0001%00")
    assert r.status_code in (400, 404, 422) and r.json()["ok"] is False, (r.status_code, r.text[:200])


def test_two_approvals_and_two_sign_offs_at_once_on_postgresql_record_one_each(pg_desk, tmp_path):
    """PostgreSQL lets two transactions read the same dossier at once (SQLite serialises writers): the
    dossier's row version makes the later of two equal approvals, or sign-offs, run again and be refused."""
    from samples.genhe import write_zip
    from services.dossiers.intake import intake_bundle
    from services.home.context import open_services
    from services.home.folder import Home
    from services.review.actions import record_decision, record_sign_off, status
    home, _ = pg_desk
    svc = open_services(Home(home.path))
    d = intake_bundle([write_zip(tmp_path / "pg.zip", "complete")], "drafter", svc).dossier
    record_decision(svc, d, "unit_check", "approve", "同意", "director")

    def twice(call) -> list:
        out: list = []
        start = threading.Barrier(2)

        def run():
            start.wait()
            try:
                out.append(call())
            except Exception as e:      # noqa: BLE001
                out.append(e)
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return out
    got = twice(lambda: record_decision(open_services(Home(home.path)), d, "legality", "approve", "同意", "reviewer"))
    assert sorted(type(x).__name__ for x in got) == ["Refused", "tuple"], got
    assert len([x for x in status(svc, d).decisions if x.stage == "legality"]) == 1
    record_decision(svc, d, "deliberation", "approve", "同意", "secretary")
    got = twice(lambda: record_sign_off(open_services(Home(home.path)), d, "signer"))
    assert sum(not isinstance(x, Exception) for x in got) == 1, got
    with svc.unit() as uow:
        assert len(uow.dossiers.opinions(d)) == 1 and len(uow.jobs.of("publish", d)) == 1


# ---------------------------------------------------------------- last: every notice of the module

def test_every_notice_written_in_this_module_went_to_someone_who_may_see_its_dossier(site):
    """Run last: whatever the tests above made people's turn, no inbox holds a dossier its owner may not see."""
    from review import rules
    from services.home.notifications import inbox
    from services.review.basics import pipeline_for
    seen = 0
    for p in site.svc.config.people:
        for n in inbox(site.svc, p.name, 10_000):
            if not n.dossier_id:
                continue
            with site.svc.unit() as uow:
                row, view = uow.dossiers.view(n.dossier_id)
            refusal = rules.may_see(p, row.id, row.drafting_unit, row.state,
                                    pipeline_for(site.svc.config, view.current), view.current)
            assert refusal is None, (p.name, n.kind, n.dossier_id)
            seen += 1
    assert seen > 5
