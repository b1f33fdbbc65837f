"""Work on a pool (issue 13): `lockstep deploy` and `lockstep worker`."""
from __future__ import annotations

import socket
from typing import Annotated, Optional

import typer

from cli.app import JsonOpt, app, home_of
from cli.output import emit_json, esc, out, refusals

PoolOpt = Annotated[Optional[str], typer.Option("--pool", help="工作池名称（默认取 lockstep.toml 中 prefect 节的 pool）")]

CHANGES = {"created": "新建", "updated": "已更新", "unchanged": "未变"}


@app.command("deploy")
def deploy_cmd(ctx: typer.Context, pool: PoolOpt = None,
               concurrency: Annotated[Optional[int], typer.Option("--concurrency", min=1, max=10000,
                                                                  help="整个工作池同时运行的任务数上限")] = None,
               as_json: JsonOpt = False) -> None:
    """在 Prefect 服务器上登记工作池及 Lockstep 的流程（批量入库、补办清扫、定时检查）；重复运行不改变任何内容。"""
    from flows.workpool import deploy, require_server, settings_of
    with refusals(as_json):
        home = home_of(ctx).require()
        s = require_server(settings_of(home, pool, concurrency))
        done = deploy(s)
    if as_json:
        emit_json(done)
        return
    out.print(f"工作池 {esc(done['pool'])}（process，全池并发上限 {done['concurrency']}）：{esc(CHANGES[done['pool_change']])}")
    for d in done["deployments"]:
        plan = f"，计划 {d['schedule']}" if d["schedule"] else ""
        out.print(f"  {esc(CHANGES[d['change']])}  {esc(d['name'])}  {esc(d['entrypoint'])}{esc(plan)}")
    out.print(f"代码目录：{esc(done['code'])}（每台工作节点须在同一路径有同一份代码）")
    out.print("本次没有改变任何内容。" if not done["changed"] else "已登记。")


@app.command("worker")
def worker_cmd(ctx: typer.Context, pool: PoolOpt = None,
               limit: Annotated[Optional[int], typer.Option("--limit", min=1, max=10000, help="本节点同时运行的任务数上限")] = None,
               name: Annotated[Optional[str], typer.Option("--name", help="节点名称（默认：主机名-进程号）")] = None,
               check: Annotated[bool, typer.Option("--check", help="只检查服务器与工作池是否可达，然后退出")] = False,
               drain: Annotated[bool, typer.Option("--drain/--no-drain", help="本进程也领取发布、出版任务与暂存材料包（每次一份）")] = True,
               as_json: JsonOpt = False) -> None:
    """运行工作池的工作节点，直到收到 SIGTERM/Ctrl+C；--check 只检查服务器与工作池。"""
    import os
    from flows.workpool import pool_state, require_server, run_worker, settings_of
    with refusals(as_json):
        home = home_of(ctx).require()
        s = require_server(settings_of(home, pool))
    if check:
        st = pool_state(s)
        ok = st["server_ok"] and st["pool_ok"]
        if as_json:
            emit_json({**st, "ok": ok})
        else:
            out.print(f"Prefect 服务器 {esc(s.api_url)}：{esc('可达' if st['server_ok'] else '无应答')}")
            if st["server_ok"]:
                out.print(f"工作池 {esc(s.pool)}：" + (f"已登记（全池并发上限 {st['concurrency']}）" if st["pool_ok"]
                                                else "未登记（请先运行 lockstep deploy）"))
                out.print(f"在线工作节点：{esc('、'.join(st['workers_online']) or '无')}")
        raise typer.Exit(code=0 if ok else 1)
    name = name or f"{socket.gethostname()}-{os.getpid()}"
    import datetime as dt

    from review.clock import zone_warning
    if (warning := zone_warning(dt.datetime.now().astimezone().utcoffset())) is not None:
        out.print(warning)
    raise typer.Exit(code=run_worker(home.path, s, name, limit, say=out.print, drain=drain))


QUEUED = {"server_unavailable": "Prefect 服务器无应答", "no_workers": "工作池暂无在线工作节点",
          "timeout": "等待超时，工作仍在进行"}


def batch_on_pool(svc, s, bundles, actor: str, chunk: int, wait: int, as_json: bool) -> None:
    """`lockstep batch` through the work pool: stage every bundle in the object store (one intake job
    each, one batch id), ask for runs of the intake deployment with the batch id, and wait (bounded,
    with progress) for the answers in the database. A server or workers that are away leave the
    bundles staged and queued: the answer says so (status "queued"), `lockstep due` lists them, and
    the runs (or the sweep) take them when the server and workers return."""
    import math
    import time
    from collections import Counter

    from rich.progress import Progress

    from cli.output import err
    from flows.on_pool import grace_of, taken_warm
    from flows.workpool import pool_state, start_runs
    from services.dossiers.staged import new_batch, stage, state

    from flows.workpool import require_server
    batch = new_batch(svc.now())
    with refusals(as_json):
        require_server(s)                 # a pool without a server named anywhere is a setup mistake
        keys = stage(svc, bundles, actor, batch)
    staged = len(set(keys))
    runs: list[str] = []
    reason = None
    st = pool_state(s)
    if not st["server_ok"]:
        reason = "server_unavailable"
    elif not (st["workers_online"] and taken_warm(svc, batch, min(grace_of(svc.home.path), max(wait, 0)))):
        try:
            runs = start_runs(s, batch, min(math.ceil(staged / max(chunk, 1)), max(s.concurrency, 1)), max(chunk, 1))
        except Exception:              # noqa: BLE001 - the server went away between the check and the ask
            reason = "server_unavailable"
        else:
            if not st["workers_online"]:
                reason = "no_workers"
    got = state(svc, batch)
    if reason is None and wait > 0:
        deadline = time.monotonic() + wait
        with Progress(console=err, transient=not as_json) as bar:
            task = bar.add_task(f"工作池 {s.pool} 正在入库（批次 {batch}）", total=staged)
            while not got.finished and time.monotonic() < deadline:
                time.sleep(0.25)
                got = state(svc, batch)
                bar.update(task, completed=got.done + got.failed)
        if not got.finished:
            reason = "timeout"
    elif reason is None:
        reason = "timeout"
    if reason is not None and not got.finished:
        doc = {"status": "queued", "reason": reason, "batch": batch, "staged": staged, "done": got.done,
               "runs": runs, "pool": s.pool, "server": s.api_url,
               "message": f"{QUEUED[reason]}：{staged} 份材料已暂存于对象存储并排队（批次 {batch}），"
                          "服务器与工作节点恢复后自动处理；lockstep due 可查看"}
        if as_json:
            emit_json(doc)
        else:
            out.print(doc["message"])
        raise typer.Exit(code=0)
    results = []
    for path, key in zip(bundles, keys):
        r = dict(got.answers.get(key) or {})
        r["source"] = str(path)
        results.append(r)
    summary = Counter("duplicate" if r.get("duplicate") else ("accepted" if r.get("accepted") else "rejected")
                      for r in results)
    workers = sorted({r.get("worker") or "" for r in results} - {""})
    if as_json:
        emit_json({"status": "done", "batch": batch, "runs": runs, "workers": workers,
                   "results": results, "summary": dict(summary)})
    else:
        for r in results:
            mark = "[green]✓[/green]" if r.get("accepted") else "[red]✗[/red]"
            codes = "、".join(sorted({p["code"] for p in r.get("problems", []) if p["severity"] == "error"}))
            out.print(f"{mark} {esc(r['source'])} → {esc(r.get('dossier') or codes)}{esc('（重复）' if r.get('duplicate') else '')}")
        out.print(f"共 {len(results)} 份：接收 {summary['accepted']}，重复 {summary['duplicate']}，退回 {summary['rejected']}"
                  f"（工作池 {esc(s.pool)}，工作节点 {esc('、'.join(workers) or '—')}）")
    raise typer.Exit(code=0 if summary["rejected"] == 0 else 1)
