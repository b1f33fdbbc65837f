"""Commands on dossiers: inspect, submit, gate, review, sign-off, publish, status."""
# No postponed annotations: typer reads each parameter's Annotated[...] as the object it is,
# not as a string to compile and evaluate when the command line is built (issue 14, "Reads are fast").

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.app import AsOpt, JsonOpt, app, services_of
from cli.names import material_role_id, stage_id, stage_name, who_acts
from cli.output import emit_json, engine_note, err, esc, out, print_problems, refusals, spinner
from documents.labels import meta_fields
from documents.models import ROLE_NAMES
from documents.problems import Refused
from documents.shown import echoed


@app.command("inspect")
def inspect_cmd(files: Annotated[list[Path], typer.Argument(help="一个或多个 docx 文件", exists=False)],
                as_json: JsonOpt = False) -> None:
    """预检文件：识别材料类别（按文件名，否则按内容），提取元数据并检查公文格式，不保存任何内容。"""
    from documents.bundle import role_from_file_name
    from documents.classify import final_role, is_word
    from documents.extract import inspect_docx
    from documents.models import InspectedFile
    from rich.progress import Progress
    results = []
    with Progress(console=err, transient=True, disable=len(files) < 5) as bar:
        task = bar.add_task("正在检查", total=len(files))
        for f in files:
            try:
                if f.exists() and not (f.is_file() or f.is_dir()):
                    raise OSError("not a regular file")     # a FIFO or device: reading it waits for ever
                data = f.read_bytes()
            except OSError as e:
                from documents.problems import problem
                found = (problem("file_not_found", f"“{echoed(f, 200)}”不存在", file=str(f))
                         if isinstance(e, FileNotFoundError)
                         else problem("not_docx", "无法读取文件（不是文件，或没有读取权限）", file=str(f)))
                results.append(InspectedFile(file=str(f), ok=False, problems=[found]))
            else:
                named = role_from_file_name(f.name)
                if not is_word(f.name, named):      # a picture, a recording: its name says what it is, nothing to read
                    results.append(InspectedFile(file=str(f), ok=True, role=final_role(named, None),
                                                 role_source="file_name" if named else None))
                    bar.advance(task)
                    continue
                r = inspect_docx(f.name, data, named)
                results.append(r.model_copy(update={"file": str(f), "role_source": "file_name" if named
                                                    else r.role_source}))
            bar.advance(task)
    if as_json:
        # the one shape of every command: ok, and the problems (each naming its file), besides each file's own
        emit_json({"ok": all(r.ok for r in results), "files": results,
                   "problems": [p.model_copy(update={"file": p.file or r.file}) for r in results for p in r.problems]})
    else:
        for r in results:
            _print_inspected(r)
    raise typer.Exit(code=0 if all(r.ok for r in results) else 1)


def _print_inspected(r) -> None:
    mark = "[green]✓[/green]" if r.ok else "[red]✗[/red]"
    out.print(f"{mark} [bold]{esc(r.file)}[/bold]")
    m = r.metadata
    if r.role and r.role_source is None and m is None and r.ok:
        out.print(f"    识别为：{esc(ROLE_NAMES.get(r.role, r.role))}（图片或音视频，不提取内容）")
    elif r.role:
        how = "按文件名" if r.role_source == "file_name" else "按内容"
        checked = "，已检查公文格式" if m is not None else "，文件无法读取，未检查公文格式"
        out.print(f"    识别为：{esc(ROLE_NAMES.get(r.role, r.role))}（{esc(how)}）" + (checked if r.role == "policy" else ""))
    elif m is None:
        out.print("    识别为：无法识别（文件无法读取）")
    if m is not None:
        _print_meta(m, indent="    ")
    print_problems(r.problems)


def _print_meta(m, indent: str = "  ") -> None:
    for label, value in meta_fields(m):
        out.print(f"{esc(indent)}{esc(label)}：{esc(value)}")


@app.command("submit")
def submit_cmd(ctx: typer.Context,
               bundle: Annotated[list[Path], typer.Argument(help="压缩包、文件夹或多个文件")],
               as_: AsOpt = ..., dossier: Annotated[Optional[str], typer.Option("--dossier", help="作为该卷宗的新版本提交")] = None,
               answers: Annotated[Optional[list[str]], typer.Option(
                   "--answer", help="修改说明，每条退回理由一条，可多次指定：“一、（二）=已按意见修改为…”；"
                                    "解读材料写“解读：问2=…”，未定位条款的理由写“理由3=…”")] = None,
               as_json: JsonOpt = False) -> None:
    """提交材料（政策文件、解读方案、解读材料、风险评估），生成卷宗版本。"""
    from services.dossiers.intake import SubmitResult, check_submitter, find_duplicate, prepare
    from services.review.actions import gate_answer, person
    svc = services_of(ctx)
    with refusals(as_json):
        actor = person(svc.config, as_)
        check_submitter(actor)
        if answers:     # 修改说明: a line or a reason the return does not have is refused before any work
            from services.dossiers.revision import check_answers
            check_answers(svc, actor, dossier, answers)
        _no_special_files(bundle)
        # Reading and fingerprinting is cheap: a resubmission of the same bytes is answered
        # without starting the workflow engine.
        try:
            prepared = prepare(bundle, actor, svc.config)
            result = (None if answers else find_duplicate(svc, prepared)) if not prepared.rejected else SubmitResult(
                dossier=None, version=None, accepted=False, kind=prepared.kind,
                drafting_unit=prepared.drafting_unit, problems=prepared.problems, files=prepared.members)
        except Refused as r:
            result = SubmitResult(dossier=None, version=None, accepted=False, problems=list(r.problems))
        if result is None:
            from flows.run import run_intake
            with spinner(engine_note(svc.home.path, "入库"), as_json):
                raw = run_intake(svc.home.path, [{"paths": [str(p.resolve()) for p in bundle],
                                                  "actor": as_, "dossier": dossier, "answers": answers or []}])[0]
            if raw.get("queued"):       # a pool home whose pool did not answer in time: staged, recorded
                _print_queued(raw, as_json)
                raise typer.Exit(code=0)
            result = SubmitResult.model_validate(raw)
        answer = gate_answer(svc, result.dossier) if result.accepted else None
    if as_json:
        emit_json({**result.model_dump(mode="json"), "gate": answer})
    else:
        _print_submit(result, answer, svc.config)
    raise typer.Exit(code=0 if result.accepted else 1)


def _no_special_files(paths) -> None:
    """A FIFO or device named as material is refused (file_not_found) before anything reads it: reading
    one waits for ever for a writer that never comes."""
    from cli.output import regular_file
    for p in paths:
        if p.exists() and not p.is_dir():
            regular_file(p)


def _print_queued(doc: dict, as_json: bool) -> None:
    """The `queued` notice (a work pool's server or workers away, or not done in time): accepted and
    recorded, not a failure; the command exits 0."""
    if as_json:
        emit_json({**doc, "ok": True})
        return
    for p in doc.get("problems", []):
        out.print(f"[yellow]{esc(p['message'])}[/yellow]")


def _print_submit(result, answer, config=None) -> None:
    if not result.accepted:
        out.print("[red bold]材料未被接收，未保存任何内容。[/red bold]")
    elif result.duplicate:
        out.print(f"[yellow]相同材料此前已提交：卷宗 {esc(result.dossier)} 第 {result.version} 版，未重复入库。[/yellow]")
    else:
        what = "新卷宗" if result.new_dossier else "新版本"
        out.print(f"[green bold]已接收（{esc(what)}）[/green bold] 卷宗 [bold]{esc(result.dossier)}[/bold] 第 {result.version} 版")
    if result.kind:
        out.print(f"  类别：{esc(result.kind)}    起草单位：{esc(result.drafting_unit)}")
    for f in result.files:
        out.print(f"  · {esc(ROLE_NAMES.get(f.role, f.role))}：{esc(f.name)}")
        if f.metadata is not None:
            _print_meta(f.metadata, indent="      ")
    print_problems(result.problems)
    if answer is not None:
        _print_gate(answer, config, result.drafting_unit)


def _print_gate(answer, config=None, unit: str | None = None) -> None:
    """The gate in words: stages and roles by their Chinese names, with who holds each role."""
    returned = getattr(answer, "returned", None)
    if returned is not None:
        _print_return(returned, config, unit, answer.dossier)
        for w in answer.warnings:
            out.print(f"  [yellow]! {esc(w.code)}[/yellow]：{esc(w.message)}")
    if returned is not None and returned.pending:
        # Nobody reviews a returned dossier: the stages wait for the office's new version.
        out.print(f"  签发条件（第 {answer.version} 版，重新提交后逐项审核）：")
        for b in answer.blocking:
            out.print(f"  ✗ [bold]{esc(b.code)}[/bold]：{esc(b.message)}" + ("（待重新提交）" if b.roles else ""))
        return
    if answer.ready:
        out.print(f"[green bold]签发条件已满足[/green bold]（卷宗 {esc(answer.dossier)} 第 {answer.version} 版）")
        return
    out.print(f"[yellow bold]暂不能签发[/yellow bold]（卷宗 {esc(answer.dossier)} 第 {answer.version} 版），尚缺：")
    for b in answer.blocking:
        same_unit = config is not None and any(s.same_unit for p in config.pipelines for s in p.stages
                                               if s.id == b.stage)
        who = f" → 由 {who_acts(config, b.roles, unit, same_unit)} 办理" if b.roles else ""
        out.print(f"  ✗ [bold]{esc(b.code)}[/bold]：{esc(b.message)}{esc(who)}")


def _print_return(returned, config=None, unit: str | None = None, dossier: str = "卷宗编号") -> None:
    """退回: by whom (name, role, unit), when, the anchored reasons with their answers, and whose move it is."""
    from review.config import ROLE_NAMES as PERSON_ROLES
    who = f"{returned.by_display}（{returned.by}）" if returned.by_display not in (None, returned.by) else returned.by
    role = PERSON_ROLES.get(returned.role, returned.role) if returned.role else None
    at = returned.at.astimezone().strftime("%Y-%m-%d %H:%M")
    stage = stage_name(config, returned.stage) if config is not None else returned.stage
    version = f"第 {returned.version} 版" if returned.version else "本卷宗"
    by = "，".join(x for x in (who, role, returned.unit) if x)
    head = "[red bold]已退回（退回）[/red bold]" if returned.pending else "[bold]此前退回[/bold]"
    out.print(f"{head}：{esc(stage)}环节退回{esc(version)}（{esc(by)}，{esc(at)}）"
              + (f"：{esc(returned.comment)}" if returned.comment else ""))
    for r in returned.reasons:
        where = f"【{r.key}】" if r.anchor else f"{r.key}："
        out.print(f"  · {esc(where)}{esc(r.text)}")
        if r.answer is not None:
            out.print(f"      [green]修改说明[/green]（第 {r.answered_in} 版）：{esc(r.answer)}")
        elif not returned.pending and returned.answered_by_version is not None:
            out.print("      [yellow]未答复[/yellow]")
    if returned.pending:
        out.print(f"  [bold]下一步：由起草单位{esc(('（' + unit + '）') if unit else '')}修改后重新提交[/bold]"
                  f"（lockstep submit 材料 --dossier {esc(dossier)} --answer \"条款=如何修改\"）；重新提交前不进入审核")


def _unit_of(svc, dossier: str) -> str | None:
    """The drafting unit, so that a unit's own check names that unit's people."""
    with svc.reading() as uow:
        row = uow.dossiers.get(dossier)
    return row.drafting_unit if row is not None else None


@app.command("attach")
def attach_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
               file: Annotated[Path, typer.Argument(help="要补充或替换的文件")],
               role: Annotated[str, typer.Option("--role", help="材料角色：政策文件、解读方案、解读材料、图文解读、"
                                                 "舆情风险评估（或 policy、risk_assessment 等）…")],
               as_: AsOpt, as_json: JsonOpt = False) -> None:
    """补充或替换一份材料，形成新版本（此前的审核随之失效）。"""
    from documents.models import ROLE_NAMES as ROLES
    from documents.problems import problem
    from services.dossiers.attach import attach
    from services.review.actions import gate_answer
    role = material_role_id(role)
    svc = services_of(ctx)
    with refusals(as_json, {"dossier": dossier}):
        if role not in ROLES:
            raise Refused(problem("manifest_invalid", f"没有材料角色 {role}（可用：{'、'.join(ROLES)}）"))
        result = attach(svc, dossier, file, role, as_)
        answer = gate_answer(svc, dossier) if result.accepted else None
    if as_json:
        emit_json({**result.model_dump(mode="json"), "gate": answer})
    else:
        _print_submit(result, answer, svc.config)
    raise typer.Exit(code=0 if result.accepted else 1)


@app.command("gate")
def gate_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
             as_json: JsonOpt = False) -> None:
    """签发前检查：列出全部未满足的条件。"""
    from services.review.actions import gate_answer
    with refusals(as_json, {"dossier": dossier}):
        svc = services_of(ctx)
        answer = gate_answer(svc, dossier)
    if as_json:
        emit_json({**answer.model_dump(mode="json"), "consistency": _consistency(ctx, dossier, svc)})
    else:
        _print_gate(answer, svc.config, _unit_of(svc, dossier))
        for s in answer.stages:
            out.print(f"  {'✓' if s.approved else '·'} {esc(s.name)}")
        _print_consistency(_consistency(ctx, dossier, svc))


@app.command("review")
def review_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
               stage: Annotated[str, typer.Option("--stage", help="审核环节，如 合法性审核（或 legality）")],
               approve: Annotated[bool, typer.Option("--approve/--return", help="通过或退回")],
               as_: AsOpt, comment: Annotated[str, typer.Option("--comment", help="审核意见")] = "",
               reason: Annotated[Optional[list[str]], typer.Option(
                   "--reason", help="定位到条款的理由，可多次指定：“一、（二）：表述不清”；解读材料用“解读：问3：…”")] = None,
               as_json: JsonOpt = False) -> None:
    """审核一个环节：通过或退回（附意见，理由可定位到条款）。合法性审核同时出具意见书。"""
    from services.review.actions import gate_answer, record_decision
    with refusals(as_json, {"dossier": dossier}):
        svc = services_of(ctx)
        try:
            stage = stage_id(svc.config, stage)
        except typer.BadParameter:
            gate_answer(svc, dossier)       # an unknown dossier is refused first (exit 1), whatever the stage
            raise
        event, answer = record_decision(svc, dossier, stage,
                                        "approve" if approve else "return", comment, as_, reason or [])
    if as_json:
        emit_json({"dossier": dossier, "decision": event, "ready": answer.ready, "gate": answer})
    else:
        verb = "[green]通过[/green]" if approve else "[red]退回[/red]"
        out.print(f"{esc(event.actor)} 已{esc(verb)}卷宗 {esc(dossier)} 的“{esc(stage_name(svc.config, stage))}”环节。")
        for r in event.reasons:
            out.print(f"  · {esc('【' + r.anchor + '】' if r.anchor else '')}{esc(r.text)}"
                      + (f"（第 {r.paragraph} 段）" if r.paragraph else ""))
        if event.opinion_number:
            out.print(f"  合法性审核意见书：{esc(event.opinion_number)}（lockstep opinion {esc(dossier)} --out 目录 导出）")
        _print_gate(answer, svc.config, _unit_of(svc, dossier))


@app.command("sign-off")
def sign_off_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
                 as_: AsOpt,
                 emergency: Annotated[bool, typer.Option("--emergency", help="紧急签发：跳过未完成的审核环节（须写明理由，事后补审）")] = False,
                 reason: Annotated[Optional[str], typer.Option("--reason", help="紧急签发的理由")] = None,
                 publish_at: Annotated[Optional[str], typer.Option(
                     "--publish-at", metavar="时间", help="定时发布：网站公开的时间，如 \"2026-12-10 09:00\"（本地时间）、"
                                                         "2026年12月10日、2026-12-10T09:00:00+08:00；只写日期为当日 0:00；"
                                                         "页面立即生成并核对，到时才公开")] = None,
                 as_json: JsonOpt = False) -> None:
    """签发；签发后同步发布（公报待刊、网站政策与解读页面、规范性文件台帐）；--publish-at 定时发布。"""
    from services.review.actions import gate_answer, record_sign_off
    from cli.gazette_cmds import parse_moment
    moment = parse_moment(publish_at, "--publish-at") if publish_at is not None else None
    svc = services_of(ctx)
    try:
        event = record_sign_off(svc, dossier, as_, (reason or "") if emergency else None, publish_at=moment)
    except Refused as r:
        try:
            answer = gate_answer(svc, dossier)
        except Refused:
            answer = None
        if as_json:
            emit_json({"dossier": dossier, "ready": bool(answer and answer.ready), "signed": False,
                       "ok": False, "blocking": list(r.problems), "problems": list(r.problems)})
        else:
            out.print("[red bold]签发被拒绝[/red bold]，原因：")
            from cli.output import for_command_line
            for p in r.problems:
                out.print(f"  ✗ [bold]{esc(p.code)}[/bold]：{esc(for_command_line(p).message)}")
            if r.problem.code not in ("not_found", "unknown_person"):
                _print_unexplained(ctx, dossier)
        raise typer.Exit(code=1)
    from flows.run import run_publication
    from services.home.crashpoints import crash_point
    crash_point("sign_off.after_commit")     # tests/faults: signed, its publish job waiting
    with spinner(engine_note(svc.home.path, "同步发布"), as_json):
        published = run_publication(svc.home.path, [dossier], as_)[0]
    if as_json:
        found = _consistency(ctx, dossier)
        emit_json({"dossier": dossier, "ready": True, "signed": True, "blocking": [],
                   "signed_off": event, "publication": published,
                   "consistency": {k: found.get(k) for k in ("unexplained", "summary", "unavailable") if k in found}})
    else:
        out.print(f"[green bold]已签发[/green bold] 卷宗 {esc(dossier)} 第 {event.version} 版（{esc(event.actor)}）")
        _print_unexplained(ctx, dossier)
        if getattr(event, "reason", None):
            out.print(f"  [yellow]紧急签发[/yellow]：{esc(event.reason)}；跳过的环节 {esc('、'.join(stage_name(svc.config, x) for x in event.skipped_stages))} 须事后补审")
        _print_publication(published)
    raise typer.Exit(code=0 if published.get("published") or published.get("queued")
                     or published.get("scheduled_at") else 1)


def _print_unexplained(ctx: typer.Context, dossier: str) -> None:
    """What the signer reads of the interpretation's findings: how many no reviewer has explained."""
    found = _consistency(ctx, dossier)
    if found.get("summary"):
        out.print(f"  {esc(found['summary'])}（提示，不影响签发）")


def _print_publication(p: dict) -> None:
    if p.get("scheduled_at") and not p.get("published"):
        from services.publication.schedule import aware
        import datetime as _dt
        at = aware(_dt.datetime.fromisoformat(str(p["scheduled_at"])))
        out.print(f"  [green]定时发布[/green]：将于 {at.astimezone():%Y-%m-%d %H:%M} 公开（网站页面已生成并核对，"
                  f"共 {esc(len(p.get('prepared', {})))} 页；公开前不对外显示，公报与台帐到时一并办理）")
        out.print(f"  公开前如需取消：lockstep publish cancel {esc(p['dossier'])} --reason 理由 --as 签发人")
        return
    if p.get("queued"):
        for x in p.get("problems", []):
            out.print(f"  [yellow]{esc(x['message'])}[/yellow]")
        return
    if not p.get("published"):
        out.print("[red]未能发布：[/red]")
        for x in p.get("problems", []):
            out.print(f"  ✗ {esc(x['code'])}：{esc(x['message'])}")
        return
    out.print(f"  公报：第 {esc(p['gazette_item'])} 号稿件已进入待刊队列")
    out.print(f"  台帐：登记号 {esc(p['registration_number'])}")
    if p.get("index_number"):
        out.print(f"  索引号：{esc(p['index_number'])}" + (f"  主题分类：{esc(p['topic'])}" if p.get("topic") else ""))
    for kind, path in p.get("pages", {}).items():
        out.print(f"  网站：{esc('政策原文' if kind == 'policy' else '政策解读')} {esc(path)}")


@app.command("publish")
def publish_cmd(ctx: typer.Context,
                dossier: Annotated[Optional[str], typer.Argument(
                    help="卷宗编号；或 schedule / cancel / reindex 后接卷宗编号", metavar="[schedule|cancel|reindex] D")] = None,
                target: Annotated[Optional[str], typer.Argument(help="schedule、cancel 的卷宗编号", show_default=False)] = None,
                pending: Annotated[bool, typer.Option(
                    "--pending", help="补发全部待发布的卷宗（签发后未完成发布的任务，含中断者留下的）")] = False,
                at: Annotated[Optional[str], typer.Option(
                    "--at", metavar="时间", help="schedule：网站公开的时间（本地时间），如 \"2026-12-10 09:00\"")] = None,
                reason: Annotated[Optional[str], typer.Option("--reason", help="cancel：取消定时发布的理由（不少于 10 个字）")] = None,
                as_: AsOpt = "lockstep", as_json: JsonOpt = False) -> None:
    """重新执行已签发卷宗的发布（可重复执行，不会重复发布）；--pending 补发全部待发布的卷宗；
    schedule D --at 时间 定时发布；cancel D --reason 理由 取消定时发布；reindex 为此前发布的文件补编索引号。"""
    from flows.run import run_publication
    if dossier in ("schedule", "cancel", "reindex"):
        _publish_action(ctx, dossier, target, at, reason, as_, as_json)
    if target is not None or at is not None or reason is not None:
        err.print("用法错误：--at 只用于 publish schedule D，--reason 只用于 publish cancel D")
        raise typer.Exit(code=2)
    if (dossier is None) == (not pending):          # a usage error (exit 2), as typer's own
        err.print("用法错误：请给出卷宗编号，或用 --pending 补发全部待发布的卷宗（二者取一）")
        raise typer.Exit(code=2)
    svc = services_of(ctx)
    if pending:
        _publish_pending(svc, as_json)
    with spinner(engine_note(svc.home.path, "发布"), as_json):
        published = run_publication(svc.home.path, [dossier], as_)[0]
    if as_json:
        emit_json(published)
    else:
        _print_publication(published)
    raise typer.Exit(code=0 if published.get("published") or published.get("queued")
                     or published.get("scheduled_at") else 1)         # 定时发布: prepared, public at its moment


def _publish_action(ctx: typer.Context, action: str, dossier: Optional[str], at: Optional[str],
                    reason: Optional[str], as_: str, as_json: bool) -> None:
    """publish schedule D --at, publish cancel D --reason, publish reindex (services/publication/schedule.py)."""
    if action == "reindex":
        if dossier is not None or at is not None or reason is not None:
            err.print("用法错误：lockstep publish reindex 不带卷宗编号和选项")
            raise typer.Exit(code=2)
        from services.publication.catalogue import reindex
        with refusals(as_json):
            given = reindex(services_of(ctx), as_)
        if as_json:
            emit_json({"ok": True, "given": given})
        else:
            out.print(f"已为 {len(given)} 份此前发布的文件补编索引号" if given else "没有缺少索引号的已发布文件。")
            for d, n in given.items():
                out.print(f"  {esc(d)}：{esc(n)}")
        raise typer.Exit(code=0)
    if dossier is None or (action == "schedule") != (at is not None) or (action == "cancel") != (reason is not None):
        err.print("用法错误：lockstep publish schedule D --at 时间；lockstep publish cancel D --reason 理由")
        raise typer.Exit(code=2)
    from cli.gazette_cmds import parse_moment
    from services.publication import schedule as sched
    if action == "schedule":
        moment = parse_moment(at)
        with refusals(as_json, {"dossier": dossier}):
            done = sched.schedule(services_of(ctx), dossier, moment, as_)
        if as_json:
            emit_json({**done.model_dump(mode="json"), "ok": True})
        else:
            out.print(f"[green bold]已定时发布[/green bold] 卷宗 {esc(dossier)}")
            _print_publication(done.model_dump(mode="json"))
        raise typer.Exit(code=0)
    with refusals(as_json, {"dossier": dossier}):
        state = sched.cancel(services_of(ctx), dossier, reason or "", as_)
    if as_json:
        emit_json({**state.model_dump(mode="json"), "ok": True})
    else:
        out.print(f"[green]已取消定时发布[/green] 卷宗 {esc(dossier)}：仍为已签发，未公开；"
                  f"可重新定时（lockstep publish schedule {esc(dossier)} --at 时间）或立即发布（lockstep publish {esc(dossier)}）")
    raise typer.Exit(code=0)


def _publish_pending(svc, as_json: bool) -> None:
    from flows.run import run_publication_sweep
    with spinner(engine_note(svc.home.path, "补发待发布卷宗"), as_json):
        sweep = run_publication_sweep(svc.home.path)
    results = sweep.get("results", [])
    failed = [r for r in results if not r.get("published")]
    # Gazette releases too (services/gazette/release.py release_pending): a refused one counts as failed.
    failed += [g for g in sweep.get("gazette", []) if g.get("problems")]
    if as_json:
        emit_json({**sweep, "ok": not failed, "published": sum(1 for r in results if r.get("published")),
                   "failed": len(failed)})
    else:
        if not results:
            out.print("没有待发布的卷宗。")
        for g in sweep.get("gazette", []):
            if g.get("problems"):
                out.print(f"[red]公报 {esc(g['issue'])} 未能出版：[/red]")
                for x in g["problems"]:
                    out.print(f"  ✗ {esc(x['code'])}：{esc(x['message'])}")
            elif g.get("released"):
                out.print(f"[green]公报 {esc(g['issue'])} 已出版[/green]：{esc(g.get('folder'))}")
            elif g.get("status") == "scheduled":
                out.print(f"公报 {esc(g['issue'])} 已生成出版物，等待定时公开")
        for r in results:
            out.print(f"[bold]卷宗 {esc(r['dossier'])}[/bold]" + ("（此前已发布）" if r.get("already") else ""))
            _print_publication(r)
        for path in sweep.get("placed", []):
            out.print(f"  网站：已补齐中断时未放置的页面 {esc(path)}")
        if sweep.get("removed"):
            out.print(f"  已清理中断时留下的临时文件 {len(sweep['removed'])} 个")
    raise typer.Exit(code=1 if failed else 0)


@app.command("status")
def status_cmd(ctx: typer.Context, dossier: Annotated[str, typer.Argument(help="卷宗编号")],
               as_json: JsonOpt = False) -> None:
    """卷宗状态：版本、材料、审核记录、签发条件与历史。"""
    from services.review.actions import status
    with refusals(as_json, {"dossier": dossier}):
        svc = services_of(ctx)
        st = status(svc, dossier)
    if as_json:
        emit_json({**st.model_dump(mode="json"), "consistency": _consistency(ctx, dossier, svc)})
        return
    out.print(f"[bold]{esc(st.dossier)}[/bold] {esc(st.title)}")
    out.print(f"  文号：{esc(st.doc_number or '—')}  类别：{esc(st.kind)}  起草单位：{esc(st.drafting_unit)}")
    out.print(f"  状态：{esc(st.state_name)}  当前版本：第 {st.version} 版")
    if st.emergency_reason:
        pending = "、".join(stage_name(svc.config, x) for x in st.retrospective_pending)
        out.print(f"  [yellow]紧急签发[/yellow]：{esc(st.emergency_reason)}；"
                  + (f"待事后补审：{esc(pending)}" if pending else "事后补审已完成"))
    for f in st.files:
        out.print(f"  · {esc(ROLE_NAMES.get(f['role'], f['role']))}：{esc(f['name'])}")
    for d in st.decisions:
        out.print(f"  审核：{esc(stage_name(svc.config, d.stage))} {esc('通过' if d.verdict == 'approve' else '退回')}（{esc(d.actor)}，{d.at:%Y-%m-%d %H:%M}）{esc(d.comment)}"
                  + (f" 意见书 {esc(d.opinion_number)}" if d.opinion_number else ""))
        for r in d.reasons:
            out.print(f"      · {esc('【' + r.anchor + '】' if r.anchor else '')}{esc(r.text)}")
    _print_gate(st.gate, svc.config, st.drafting_unit)
    _print_consistency(_consistency(ctx, dossier, svc))


@app.command("batch")
def batch_cmd(ctx: typer.Context,
              sources: Annotated[list[Path], typer.Argument(help="多个压缩包，或其中每个压缩包/子文件夹为一份材料的文件夹")],
              as_: AsOpt, chunk: Annotated[int, typer.Option("--chunk", min=1, max=10000, help="每次流程运行处理的材料包数")] = 50,
              pool: Annotated[Optional[str], typer.Option("--pool", help="交给工作池处理（默认取 lockstep.toml 中 prefect 节的 pool；未配置则在本机运行）")] = None,
              wait: Annotated[int, typer.Option("--wait", min=0, max=86400, help="经工作池时最多等待结果的秒数（0：暂存并排队后即返回）")] = 300,
              as_json: JsonOpt = False) -> None:
    """批量入库：每个压缩包（或子文件夹）为一份材料，分批在工作流中处理。"""
    from collections import Counter
    from flows.run import run_intake
    from services.review.actions import person
    svc = services_of(ctx)
    with refusals(as_json):
        from services.dossiers.intake import check_submitter
        check_submitter(person(svc.config, as_))
    bundles = _bundles_in(sources)
    with refusals(as_json):
        _no_special_files(bundles)
    from flows.workpool import settings_of
    if (on_pool := settings_of(svc.home, pool)).pool:
        from cli.pool_cmds import batch_on_pool
        batch_on_pool(svc, on_pool, bundles, as_, chunk, wait, as_json)
        return
    from rich.progress import Progress
    results: list[dict] = []
    with Progress(console=err, transient=not as_json) as bar:
        task = bar.add_task("正在入库（首批需先启动工作流引擎）", total=len(bundles))
        for i in range(0, len(bundles), max(chunk, 1)):
            part = bundles[i:i + max(chunk, 1)]
            results += run_intake(svc.home.path, [{"paths": [str(p.resolve())], "actor": as_} for p in part])
            bar.advance(task, len(part))
    for path, r in zip(bundles, results):
        r["source"] = str(path)
    summary = Counter("duplicate" if r.get("duplicate") else ("accepted" if r["accepted"] else "rejected")
                      for r in results)
    if as_json:
        emit_json({"results": results, "summary": dict(summary)})
    else:
        for r in results:
            mark = "[green]✓[/green]" if r["accepted"] else "[red]✗[/red]"
            codes = "、".join(sorted({p["code"] for p in r["problems"] if p["severity"] == "error"}))
            out.print(f"{mark} {esc(r['source'])} → {esc(r['dossier'] or codes)}{esc('（重复）' if r.get('duplicate') else '')}")
        out.print(f"共 {len(results)} 份：接收 {summary['accepted']}，重复 {summary['duplicate']}，退回 {summary['rejected']}")
    raise typer.Exit(code=0 if summary["rejected"] == 0 else 1)


def _bundles_in(sources: list[Path]) -> list[Path]:
    found: list[Path] = []
    for s in sources:
        if s.is_dir() and not (s / "bundle.json").exists() and any(
                c.suffix.lower() == ".zip" or c.is_dir() for c in s.iterdir()):
            found += sorted(c for c in s.iterdir() if c.suffix.lower() == ".zip" or c.is_dir())
        else:
            found.append(s)
    return found


def _consistency(ctx: typer.Context, dossier: str, svc=None) -> dict:
    """解读与政策的一致性：warnings, notes and explained marks for the reviewer, never part of `blocking`.
    `svc`: the command's own services, when it has them open (one configuration read, not two)."""
    from services.dossiers.explained import summary_json
    return summary_json(svc or services_of(ctx), dossier)


def _print_consistency(found: dict) -> None:
    problems, notes = found.get("problems", []), found.get("notes", [])
    if not problems and not notes:
        return
    out.print(f"{esc(found.get('summary') or '解读与政策一致性')}（提示，不影响签发；共 {len(problems)} 处待核对）")
    for f in found.get("findings") or [dict(p, id=None) for p in problems]:
        mark = f"[green]已说明[/green]（{esc(f['explained_by'])}：{esc(f['reason'])}）" if f.get("explained") else "[yellow]![/yellow]"
        out.print(f"  {mark} {esc(f['message'])}" + (f"  编号 {esc(f['id'])}" if f.get("id") else ""))
    for n in notes:
        out.print(f"  · {esc(n)}")
