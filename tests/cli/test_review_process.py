"""The review process in full, through the command line: reasons, opinions, diffs, risk,
consultation, emergency sign-off, deadlines."""
from __future__ import annotations

import json

import pytest
from docx import Document

pytestmark = pytest.mark.usefixtures("prefect_harness")


def submit(cli, bundle) -> str:
    return cli.json("submit", bundle, "--as", "drafter")["dossier"]


def approve(cli, d, *pairs):
    for stage, who in pairs:
        cli.json("review", d, "--stage", stage, "--approve", "--comment", "同意", "--as", who)


def refused(cli, *args) -> str:
    r = cli(*args, "--json")
    assert r.exit_code == 1, r.output
    return json.loads(r.stdout)["problems"][0]["code"]


def test_a_return_anchors_its_reasons_to_provisions_of_the_policy_and_interpretation(cli, sample_zip):
    d = submit(cli, sample_zip())
    r = cli.json("review", d, "--stage", "unit_check", "--return", "--comment", "请修改",
                 "--reason", "一、（二）：回应时限表述不清", "--reason", "解读：问2：与原文不一致",
                 "--reason", "请补充起草说明", "--as", "director")
    reasons = r["decision"]["reasons"]
    assert [(x["document"], x["anchor"], x["text"]) for x in reasons] == [
        ("policy", "一、（二）", "回应时限表述不清"), ("interpretation_material", "问2", "与原文不一致"),
        ("policy", "", "请补充起草说明")]
    assert reasons[0]["paragraph"] > 0 and reasons[1]["paragraph"] > 0
    shown = cli("status", d).stdout
    assert "【一、（二）】回应时限表述不清" in shown


def test_a_reason_pointing_at_no_provision_is_refused(cli, sample_zip, svc):
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    assert refused(cli, "review", d, "--stage", "unit_check", "--return",
                   "--reason", "九、（八）：不存在", "--as", "director") == "not_found"


def test_legality_review_issues_a_numbered_opinion_docx(cli, sample_zip, svc, tmp_path):
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    approve(cli, d, ("unit_check", "director"))
    r = cli.json("review", d, "--stage", "legality", "--return", "--reason", "二、（一）：依据不足", "--as", "reviewer")
    first = r["decision"]["opinion_number"]
    assert first.startswith("根司合审〔") and first.endswith("〕1号")
    exported = cli.json("opinion", d, "--out", tmp_path / "out")["opinions"]
    assert [o["opinion_number"] for o in exported] == [first]
    doc = Document(exported[0]["path"])
    text = "\n".join(p.text for p in doc.paragraphs)
    assert first in text and "【二、（一）】依据不足" in text and "合法性审核意见书" in text


def test_a_diff_shows_what_changed_between_versions_with_provision_anchors(cli, sample_zip, svc):
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", svc).dossier
    intake_bundle([sample_zip(date_text="2019年8月6日")], "drafter", svc)
    diff = cli.json("diff", d)
    assert (diff["old"], diff["new"]) == (1, 2)
    policy = next(x for x in diff["documents"] if x["role"] == "policy")
    assert policy["summary"]["replace"] == 2         # the date line and the 版记 印发 line
    changed = [c for c in policy["changes"] if c["kind"] == "replace"]
    assert any(c["old_text"] == "2019年8月5日" and c["new_text"] == "2019年8月6日" for c in changed)
    others = [x for x in diff["documents"] if x["role"] != "policy"]
    assert all(x["summary"]["replace"] + x["summary"]["insert"] + x["summary"]["delete"] == 0 for x in others)
    assert "修改" in cli("diff", d).stdout


def test_high_risk_needs_the_response_plan_and_the_publicity_office(cli, sample_zip, svc):
    from services.dossiers.intake import intake_bundle
    bare = intake_bundle([sample_zip(risk_level="高", response_plan=False)], "drafter", svc).dossier
    codes = [b["code"] for b in cli.json("gate", bare)["blocking"]]
    assert "response_plan_missing" in codes
    d = intake_bundle([sample_zip(risk_level="高", doc_number="根政办发〔2019〕40号")], "drafter", svc).dossier
    stages = [b["stage"] for b in cli.json("gate", d)["blocking"]]
    assert stages == ["unit_check", "legality", "publicity", "deliberation"]
    approve(cli, d, ("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary"))
    assert [b["roles"] for b in cli.json("gate", d)["blocking"]] == [["publicity"]]
    approve(cli, d, ("publicity", "publicity"))
    assert cli.json("gate", d)["ready"] is True


def test_an_emergency_sign_off_of_a_normative_document_never_skips_the_law(cli, sample_zip):
    d = submit(cli, sample_zip())
    assert refused(cli, "sign-off", d, "--as", "signer", "--emergency") == "not_permitted"
    r = cli("sign-off", d, "--as", "signer", "--emergency", "--reason", "防汛紧急部署，须在汛期前公布施行", "--json")
    assert r.exit_code == 1
    problems = json.loads(r.stdout)["problems"]
    assert problems[0]["code"] == "not_permitted" and "合法性审核" in problems[0]["message"]
    assert cli.json("status", d)["state"] == "submitted"


def test_an_emergency_sign_off_needs_a_sentence_skips_skippable_stages_only_and_is_flagged(cli, sample_zip):
    d = submit(cli, sample_zip(kind="政策性文件", doc_number="根政办发〔2019〕44号"))
    # 类别认定 is never skipped (review/kinds.py): before it, even a proper reason is refused.
    assert refused(cli, "sign-off", d, "--as", "signer", "--emergency", "--reason", "防汛紧急部署，须在汛期前公布施行") \
        == "not_permitted"
    approve(cli, d, ("kind_check", "reviewer"))
    for reason in (".", "紧急", "防汛 紧急"):
        assert refused(cli, "sign-off", d, "--as", "signer", "--emergency", "--reason", reason) == "not_permitted"
    signed = cli.json("sign-off", d, "--as", "signer", "--emergency", "--reason", "防汛紧急部署，须在汛期前公布施行")
    assert signed["signed"] is True and signed["publication"]["published"] is True
    status = cli.json("status", d)
    assert status["emergency_reason"] == "防汛紧急部署，须在汛期前公布施行"
    assert [h["event"] for h in status["history"]][1:3] == ["review.stage.decided", "dossier.emergency_signed_off"]
    assert status["retrospective_pending"] == ["unit_check"]
    assert "retrospective" in [x["kind"] for x in cli.json("due")["due"] if x["dossier"] == d]
    approve(cli, d, ("unit_check", "director"))
    status = cli.json("status", d)
    assert status["retrospective_pending"] == [] and status["state"] in ("published", "registered")
    assert "retrospective" not in [x["kind"] for x in cli.json("due")["due"] if x["dossier"] == d]
    missing = submit(cli, sample_zip("missing-risk", kind="政策性文件", doc_number="根政办发〔2019〕41号"))
    r = cli("sign-off", missing, "--as", "signer", "--emergency", "--reason", "防汛紧急部署，须在汛期前公布施行", "--json")
    assert r.exit_code == 1
    assert [b["code"] for b in json.loads(r.stdout)["blocking"]] == ["risk_assessment_missing"]


def major_decision(cli, sample_zip) -> str:
    d = submit(cli, sample_zip(kind="重大行政决策", doc_number="根政发〔2019〕9号"))
    assert "consultation_open" in [b["code"] for b in cli.json("gate", d)["blocking"]]
    return d


def test_a_major_decision_signs_off_only_after_its_comment_period_and_published_summary(cli, sample_zip, tmp_path):
    d = major_decision(cli, sample_zip)
    assert refused(cli, "consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-10",
                   "--as", "drafter") == "consultation_open"
    assert refused(cli, "consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-31",
                   "--as", "reviewer") == "not_permitted"
    opened = cli.json("consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-31", "--as", "drafter")
    notice = open(opened["notice"], encoding="utf-8").read()
    assert "公开征求" in notice and "2019年7月1日至2019年7月31日" in notice and "意见反馈方式" in notice
    export = tmp_path / "意见.csv"
    export.write_bytes("姓名,意见,采纳情况,理由\n张三,建议延长办理时限,采纳,已修改\n李四,删除第三条,未采纳,与上位法不符\n"
                       .encode("gbk"))
    cli.json("consultation", "comments", d, "--file", export, "--as", "drafter")
    cli.json("consultation", "comments", d, "--author", "王五", "--text", "增加图解", "--as", "drafter")
    assert refused(cli, "consultation", "summary", d, "--as", "drafter") == "consultation_open"  # 王五's not decided
    undecided = [c for c in cli.json("consultation", "show", d)["items"] if c["adopted"] is None]
    assert [c["author"] for c in undecided] == ["王五"]
    assert refused(cli, "consultation", "adopt", d, str(undecided[0]["id"]), "--adopted", "也许",
                   "--as", "drafter") == "manifest_invalid"
    cli.json("consultation", "adopt", d, str(undecided[0]["id"]), "--adopted", "部分采纳",
             "--response", "将制作一图读懂", "--as", "drafter")
    shown = cli.json("consultation", "summary", d, "--as", "drafter")
    assert shown["adoption"] == {"采纳": 1, "部分采纳": 1, "未采纳": 1} and shown["summary_published_at"]
    summary = open(shown["summary"], encoding="utf-8").read()
    assert "共收到意见 3 条" in summary and "将制作一图读懂" in summary and "与上位法不符" in summary
    assert "consultation_open" not in [b["code"] for b in cli.json("gate", d)["blocking"]]
    approve(cli, d, ("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary"))
    assert cli.json("sign-off", d, "--as", "signer")["signed"] is True


def test_a_shortened_comment_period_needs_a_recorded_reason(cli, sample_zip):
    d = major_decision(cli, sample_zip)
    opened = cli.json("consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-10",
                      "--reason", "防汛应急，依法缩短", "--as", "drafter")
    assert opened["shortened_reason"] == "防汛应急，依法缩短"


def test_consultation_is_only_for_major_decisions(cli, sample_zip):
    from services.home.context import open_services
    from services.home.folder import Home
    from services.dossiers.intake import intake_bundle
    d = intake_bundle([sample_zip()], "drafter", open_services(Home(cli.home))).dossier
    assert refused(cli, "consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-31",
                   "--as", "drafter") == "invalid_state"


def test_changing_the_config_does_not_rewrite_a_dossier_under_way(cli, sample_zip, home):
    from services.home.context import open_services
    from services.dossiers.intake import intake_bundle
    svc = open_services(home)
    before = intake_bundle([sample_zip()], "drafter", svc).dossier
    text = home.config_path.read_text(encoding="utf-8")
    extra = '  { id = "archive", name = "档案审核", roles = ["registrar"], after = ["deliberation"] },\n]'
    text = text.replace('after = ["legality"] },\n]', 'after = ["legality"] },\n' + extra, 1)
    home.config_path.write_text(text, encoding="utf-8")
    assert [b["stage"] for b in cli.json("gate", before)["blocking"]] == ["unit_check", "legality", "deliberation"]
    from services.home.folder import Home
    after = intake_bundle([sample_zip(doc_number="根政办发〔2019〕50号")], "drafter",
                          open_services(Home(home.path))).dossier
    assert [b["stage"] for b in cli.json("gate", after)["blocking"]] == [
        "unit_check", "legality", "deliberation", "archive"]


def test_a_draft_marked_not_public_is_not_put_out_for_comment(cli, sample_zip):
    d = submit(cli, sample_zip(kind="重大行政决策", doc_number="根政发〔2019〕11号", disclosure="（此件不予公开）"))
    assert refused(cli, "consultation", "open", d, "--from", "2019-07-01", "--to", "2019-07-31",
                   "--as", "drafter") == "not_public"


def test_a_declared_policy_kind_waits_for_the_legal_reviewer_who_may_send_it_back_as_normative(cli, sample_zip, svc):
    """A bundle saying 政策性文件 is a claim (review/kinds.py): a title of 办法 draws a warning, the gate
    waits on 类别认定 by a legal reviewer, and after a return the same files resubmitted as
    行政规范性文件 are a new version under that kind's pipeline (合法性审核, 集体审议), audited."""
    title = "根河市政务公开管理办法"
    first = cli.json("submit", sample_zip(kind="政策性文件", doc_number="根政办发〔2019〕45号", inner_title=title),
                     "--as", "drafter")
    d = first["dossier"]
    assert [p["code"] for p in first["problems"] if p["code"] == "kind_doubtful"] == ["kind_doubtful"]
    approve(cli, d, ("unit_check", "director"))
    gate = cli.json("gate", d)
    assert [(b["stage"], b["roles"]) for b in gate["blocking"] if b["code"] == "stage_not_approved"] == [
        ("kind_check", ["legal_reviewer"])]
    # Nobody but a legal reviewer settles it; the signer cannot sign around it.
    assert refused(cli, "review", d, "--stage", "kind_check", "--approve", "--as", "director") == "not_permitted"
    assert refused(cli, "sign-off", d, "--as", "signer") == "stage_not_approved"
    cli.json("review", d, "--stage", "kind_check", "--return", "--reason", "属于行政规范性文件，请按行政规范性文件重新报送",
             "--as", "reviewer")
    again = cli.json("submit", sample_zip(kind="行政规范性文件", doc_number="根政办发〔2019〕45号", inner_title=title),
                     "--dossier", d, "--as", "drafter")
    assert (again["dossier"], again["version"], again["kind"], again.get("duplicate", False)) == (d, 2, "行政规范性文件", False)
    stages = [b["stage"] for b in cli.json("gate", d)["blocking"] if b["code"] == "stage_not_approved"]
    assert stages == ["unit_check", "legality", "deliberation"]
    events = [h["event"] for h in cli.json("status", d)["history"]]
    assert "dossier.kind_changed" in events
    assert "改变文件类别" in cli("history", d).stdout
    from desk.pages_dossier import _words
    assert _words("dossier.kind_changed", {"version": 2, "kind": "行政规范性文件", "previous": "政策性文件"}, {}) == \
        "第 2 版改按行政规范性文件办理（原为政策性文件）"
