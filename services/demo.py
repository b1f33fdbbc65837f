"""The demo journey: a sample bundle through submit, review, sign-off and publication."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from services.context import initialise
from services.home import Home
from services.intake import find_duplicate, prepare
from services.review import gate_answer, person, record_decision, record_sign_off
from documents.problems import Refused


def _fresh_sample(svc, work: Path) -> Path:
    """The built-in sample, renumbered until its bytes are new to this home, so the demo reruns."""
    from samples.genhe import write_zip
    drafter = person(svc.config, "drafter")
    for serial in range(36, 136):
        path = write_zip(work / f"根政办发〔2019〕{serial}号-材料.zip", "complete",
                         doc_number=f"根政办发〔2019〕{serial}号")
        prepared, _ = prepare([path], drafter, svc.config)
        if find_duplicate(svc, prepared) is None:
            return path
    raise RuntimeError("no fresh sample number left")


def run_demo(home: Home, work: Path, say: Callable[[str], None] | None = None) -> dict:
    say = say or (lambda _msg: None)
    work.mkdir(parents=True, exist_ok=True)
    _, svc = initialise(home)
    steps: dict = {"home": str(home.path.resolve())}
    sample = _fresh_sample(svc, work)
    say(f"[bold]1. 起草单位提交材料[/bold]：{sample}")
    from flows.run import run_intake, run_publication
    say("   正在启动工作流引擎（首次约需十余秒）…")
    submitted = run_intake(home.path, [{"paths": [str(sample)], "actor": "drafter"}])[0]
    dossier = submitted["dossier"]
    steps["submit"] = submitted
    say(f"   已接收：卷宗 {dossier} 第 {submitted['version']} 版，共 {len(submitted['files'])} 份材料")
    answer = gate_answer(svc, dossier)
    steps["gate_before"] = answer.model_dump(mode="json")
    say(f"[bold]2. 签发前检查[/bold]：尚缺 {len(answer.blocking)} 项（"
        + "、".join(f"{b.code}:{b.stage}" if b.stage else b.code for b in answer.blocking) + "）")
    try:
        record_sign_off(svc, dossier, "signer")
    except Refused as r:
        steps["early_sign_off"] = [p.code for p in r.problems]
        say(f"   提前签发被拒绝：{'、'.join(sorted({p.code for p in r.problems}))}")
    say("[bold]3. 各环节审核[/bold]")
    approvals = []
    for stage in answer.stages:
        who = next(p.name for p in svc.config.people if set(p.roles) & set(stage.roles) and p.name != "drafter")
        record_decision(svc, dossier, stage.id, "approve", "同意", who)
        approvals.append([stage.id, who])
        say(f"   {stage.name}（{stage.id}）：{who} 审核通过")
    steps["approvals"] = approvals
    say("[bold]4. 签发并同步发布[/bold]")
    record_sign_off(svc, dossier, "signer")
    published = run_publication(home.path, [dossier], "signer")[0]
    steps["publication"] = published
    say(f"   公报待刊稿件：第 {published['gazette_item']} 号")
    say(f"   台帐登记号：{published['registration_number']}")
    for kind, path in published["pages"].items():
        say(f"   {'政策原文页面' if kind == 'policy' else '政策解读页面'}：{path}")
    say(f"[green bold]完成。[/green bold] 查看：lockstep --home {home.path} status {dossier}；"
        f"lockstep --home {home.path} gazette queue；lockstep --home {home.path} register list")
    return steps
