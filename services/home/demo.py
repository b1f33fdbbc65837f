"""The demo journey: a sample bundle through submit, review, sign-off and publication."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from services.home.context import initialise
from services.home.folder import Home
from services.dossiers.intake import find_duplicate, prepare
from services.review.actions import gate_answer, person, record_decision, record_sign_off
from documents.problems import Refused


def _esc(value) -> str:
    """A value in a line `say` prints: `say` is the command line's console (rich markup on, as the lines'
    own [bold] shows), so a path, a title or a reason holding "[a]" or "a\\[b]" prints as written."""
    from cli.output import esc
    return esc(value)


def _fresh_sample(svc, work: Path, organ_code: str = "根政办发", first: int = 36, **kw) -> Path:
    """The built-in sample, renumbered until its bytes are new to this home, so the demo reruns."""
    from samples.genhe import write_zip
    drafter = person(svc.config, "drafter")
    for serial in range(first, first + 500):
        number = f"{organ_code}〔2019〕{serial}号"
        path = write_zip(work / f"{number}-材料.zip", "complete", doc_number=number, **kw)
        prepared = prepare([path], drafter, svc.config)
        if find_duplicate(svc, prepared) is None:
            with svc.unit() as uow:
                if uow.dossiers.find_open(prepared.drafting_unit, number, None) is None:
                    return path
    raise RuntimeError("no fresh sample number left")


def run_demo(home: Home, work: Path, say: Callable[[str], None] | None = None) -> dict:
    say = say or (lambda _msg: None)
    work.mkdir(parents=True, exist_ok=True)
    _, svc = initialise(home)
    steps: dict = {"home": str(home.path.resolve())}
    sample = _fresh_sample(svc, work)
    say(f"[bold]1. 起草单位提交材料[/bold]：{_esc(sample)}")
    from flows.run import run_intake, run_publication
    say("   正在启动工作流引擎（首次约需十余秒）…")
    submitted = run_intake(home.path, [{"paths": [str(sample)], "actor": "drafter"}])[0]
    dossier = submitted["dossier"]
    steps["submit"] = submitted
    say(f"   已接收：卷宗 {_esc(dossier)} 第 {submitted['version']} 版，共 {len(submitted['files'])} 份材料")
    answer = gate_answer(svc, dossier)
    steps["gate_before"] = answer.model_dump(mode="json")
    say(f"[bold]2. 签发前检查[/bold]：尚缺 {len(answer.blocking)} 项（"
        + _esc("、".join(f"{b.code}:{b.stage}" if b.stage else b.code for b in answer.blocking)) + "）")
    try:
        record_sign_off(svc, dossier, "signer")
    except Refused as r:
        steps["early_sign_off"] = [p.code for p in r.problems]
        say(f"   提前签发被拒绝：{_esc('、'.join(sorted({p.code for p in r.problems})))}")
    say("[bold]3. 各环节审核[/bold]")
    approvals = []
    for stage in answer.stages:
        who = next(p.name for p in svc.config.people if set(p.roles) & set(stage.roles) and p.name != "drafter")
        record_decision(svc, dossier, stage.id, "approve", "同意", who)
        approvals.append([stage.id, who])
        say(f"   {_esc(stage.name)}（{_esc(stage.id)}）：{_esc(who)} 审核通过")
    steps["approvals"] = approvals
    say("[bold]4. 签发并同步发布[/bold]")
    record_sign_off(svc, dossier, "signer")
    published = run_publication(home.path, [dossier], "signer")[0]
    steps["publication"] = published
    say(f"   公报待刊稿件：第 {_esc(published['gazette_item'])} 号")
    say(f"   台帐登记号：{_esc(published['registration_number'])}")
    for kind, path in published["pages"].items():
        say(f"   {'政策原文页面' if kind == 'policy' else '政策解读页面'}：{_esc(path)}")
    steps["major_decision"] = _major_decision(svc, home, work, say)
    d2 = steps["major_decision"]["dossier"]
    steps["gazette"] = _gazette(svc, home, [dossier, d2], say)
    at = _esc(home.path)
    say(f"[green bold]完成。[/green bold] 查看：lockstep --home {at} status {_esc(dossier)}；"
        f"lockstep --home {at} diff {_esc(d2)}；lockstep --home {at} gazette queue；"
        f"lockstep --home {at} register list")
    return steps


def _major_decision(svc, home: Home, work: Path, say) -> dict:
    """The second journey: consultation, a return with anchored reasons, a resubmission and its diff."""
    import datetime as dt
    from flows.run import run_intake, run_publication
    from services.review.consultation import decide_comment, open_consultation, publish_summary, record_comments
    from services.dossiers.versions import diff_versions
    out: dict = {}
    say("[bold]5. 第二个案例：重大行政决策[/bold]")
    first = _fresh_sample(svc, work, organ_code="根政发", first=9, kind="重大行政决策")
    sub = run_intake(home.path, [{"paths": [str(first)], "actor": "drafter"}])[0]
    d = out["dossier"] = sub["dossier"]
    say(f"   提交：卷宗 {_esc(d)}（{_esc(sub['kind'])}），签发前须公开征求意见")
    today = svc.now().astimezone().date()
    opens, closes = today - dt.timedelta(days=45), today - dt.timedelta(days=15)
    c = open_consultation(svc, d, opens, closes, "drafter")
    say(f"   征求意见：{opens} 至 {closes}，公告 {_esc(c.notice)}")
    c = record_comments(svc, d, [{"author": "市民张某", "text": "建议明确办理时限"},
                                 {"author": "某企业", "text": "建议删除备案要求"}], "drafter", "示例")
    for item, (adopted, why) in zip(c.items, (("采纳", "已在第二稿中明确"), ("未采纳", "备案为上位法要求")),):
        decide_comment(svc, d, item.id, adopted, why, "drafter")
    c = publish_summary(svc, d, "drafter")
    say(f"   意见采纳情况已公布：{_esc(c.summary)}")
    record_decision(svc, d, "unit_check", "approve", "同意", "director")
    event, _ = record_decision(svc, d, "legality", "return", "请修改后重新报送", "reviewer",
                               ["一、（二）：应明确回应时限", "解读：问2：与政策原文表述不一致"])
    out["returned_with"] = [r.model_dump() for r in event.reasons]
    say(f"   合法性审核退回（意见书 {_esc(event.opinion_number)}）：" +
        "；".join(f"【{_esc(r.anchor)}】{_esc(r.text)}" for r in event.reasons))
    from samples.genhe import write_zip
    number = next(f["metadata"]["doc_number"]["raw"] for f in sub["files"] if f["role"] == "policy")
    second = write_zip(work / f"{number}-第2稿-材料.zip", "complete", doc_number=number, kind="重大行政决策",
                       date_text="2019年8月20日")
    sub2 = run_intake(home.path, [{"paths": [str(second)], "actor": "drafter", "dossier": d}])[0]
    diff = diff_versions(svc, d, None, None)
    out["diff"] = {x.role: x.summary for x in diff.documents}
    policy = next(x for x in diff.documents if x.role == "policy")
    say(f"   重新提交第 {sub2['version']} 版；与第 1 版相比，政策文件改动 "
        f"{policy.summary['replace'] + policy.summary['insert'] + policy.summary['delete']} 处（lockstep diff {_esc(d)}）")
    for stage, who in (("unit_check", "director"), ("legality", "reviewer"), ("deliberation", "secretary")):
        record_decision(svc, d, stage, "approve", "同意", who)
    record_sign_off(svc, d, "signer")
    published = run_publication(home.path, [d], "signer")[0]
    out["publication"] = published
    say(f"   第 {sub2['version']} 版审核通过并签发，台帐登记号 {_esc(published['registration_number'])}")
    return out


def _gazette(svc, home: Home, dossiers: list[str], say) -> dict:
    """The editors' end of the line: one issue with both dossiers, released in both editions."""
    from services.gazette.issues import add_items, create_issue, list_issues, release_issue
    year = svc.now().astimezone().year
    number = 1 + max((i.number for i in list_issues(svc) if i.year == year), default=0)
    say("[bold]6. 公报编辑出版[/bold]")
    issue = create_issue(svc, year, number, "editor")
    add_items(svc, issue.issue, dossiers, "editor")
    released = release_issue(svc, issue.issue, home.path / "gazette", "editor")
    say(f"   {year}年第{number}期（总第{released.total}期）已出版，共 {len(released.items)} 篇")
    say(f"   印刷版：{_esc(released.print_path)}")
    say(f"   电子版：{_esc(released.web_index)}")
    return released.model_dump(mode="json")
