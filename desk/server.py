"""Start the desk for a home: warm Prefect, listen, and tell the command line where we are."""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sys
import threading
from pathlib import Path

from flows.handoff import DESK_FILE, write_desk_file


def _esc(value) -> str:
    """A value in a line `say` prints: `say` is the command line's console (rich markup on), so a home's
    path or an error's text holding "[a]" or "a\\[b]" prints as written (cli.output.esc)."""
    from cli.output import esc
    return esc(value)


def listening_socket(host: str, port: int) -> socket.socket:
    """The desk's socket, listening before desk.json names the address: a caller who reads it can
    connect at once (connections wait in the backlog until uvicorn accepts them).

    IPPROTO_TCP is named, not left 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
    proto says TCP, and accepted connections inherit it. Without it each keep-alive response's body
    waited for the client's delayed ACK of its headers: about 40 ms on every request after a
    connection's first (bench/site.py measured that, not the pages)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def serve(home: Path, host: str = "127.0.0.1", port: int = 0, say=print, prefect_port: int = 0) -> None:
    import uvicorn

    from desk.app import create_app
    from flows.run import run_intake
    import datetime as dt

    from review.clock import zone_warning
    if (warning := zone_warning(dt.datetime.now().astimezone().utcoffset())) is not None:
        say(_esc(warning))
    say("正在启动工作流引擎（Prefect）…")
    _pin_prefect_port(home, prefect_port)
    run_intake(home, [], here=True)                    # warm: the engine starts now, not on the first request
    prefect_url = _prefect_url()
    if prefect_port and prefect_url and _embedded() and _port_of(prefect_url) != prefect_port:
        say(f"注意：工作流引擎端口 {prefect_port} 已被占用，改用 {_esc(_port_of(prefect_url))}")
    if prefect_url:
        say(f"工作流引擎：{_esc(prefect_url)}" + ("（内置临时服务，仅本机可访问）" if _embedded() else ""))
    token = secrets.token_urlsafe(32)
    sock = listening_socket(host, port)
    url = f"http://{host}:{sock.getsockname()[1]}"
    info = home / DESK_FILE
    log = home / "logs" / "access.log"
    say(f"访问日志：{_esc(log)}")
    sys.stdout.flush()
    # The token lets the command line (same user, same home) hand work over; nobody else reads it.
    write_desk_file(home, {"url": url, "pid": os.getpid(), "token": token, "prefect": prefect_url})
    shown = _esc(url)
    say(f"Lockstep 工作台已启动：{shown}/login（登录密码用 lockstep users password 姓名 生成；接口说明 {shown}/docs）；"
        f"公开网站 {shown}/site/（政府公报 {shown}/gazette，公开台帐 {shown}/register）；Ctrl+C 停止")
    # proxy_headers off: uvicorn would otherwise take X-Forwarded-For from any loopback connection
    # as the client's address; the desk decides itself, trusting only [desk] trusted_proxies.
    app = create_app(home, token, access_log=log, prefect_url=prefect_url)
    # The outbox's sweep once at start (in the flow work's turn, not holding up the first request):
    # publications a killed command or an earlier desk left undone are finished now.
    threading.Thread(target=_sweep, args=(app.state.flow_work, say), name="lockstep-sweep", daemon=True).start()
    # Notifications (issue 14): deadline notices now, then the mail written by decisions, every 30 s.
    from desk import mailer
    mailer.start(home, say)
    # 定时出版: the desk's clock makes a scheduled gazette issue public at its moment (and the scheduled
    # check, where one runs, does too).
    threading.Thread(target=_gazette_clock, args=(home, say), name="lockstep-gazette-clock", daemon=True).start()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=False))
    settle_garbage_collector()
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    try:
        server.run(sockets=[sock])
    finally:
        try:
            if json.loads(info.read_text()).get("pid") == os.getpid():
                info.unlink()
        except (OSError, ValueError):
            pass


def settle_garbage_collector() -> None:
    """What start-up made (Prefect, SQLAlchemy's mappers, the templates: a few hundred thousand objects
    that live as long as the process) leaves the collector's reach (gc.freeze). Before this, the
    oldest generation's collection walked all of them every few seconds under load, holding every
    request for 250-300 ms at a time (bench/site.py's max column, measured with gc.callbacks)."""
    import gc
    gc.collect()
    gc.freeze()


def _embedded() -> bool:
    return not os.environ.get("PREFECT_API_URL")


def _pin_prefect_port(home: Path, port: int) -> None:
    """The embedded Prefect server listens where the operator said (serve --prefect-port), not on
    the port Prefect would draw from 8000-8999. Registered as Prefect's own test harness does, so
    every client in this process finds this server (prefect.server.api.server)."""
    from flows.engine import configure
    configure(home)
    if not port or not _embedded():
        return
    from prefect.server.api.server import SubprocessASGIServer
    if not SubprocessASGIServer.is_port_available(port):
        return          # held by another program (which may never answer): Prefect picks a free one, and serve says so
    SubprocessASGIServer._instances[None] = SubprocessASGIServer(port=port)


def _port_of(url: str) -> int | None:
    from urllib.parse import urlsplit
    return urlsplit(url).port


def _prefect_url() -> str | None:
    if not _embedded():
        return os.environ["PREFECT_API_URL"]
    from prefect.server.api.server import SubprocessASGIServer
    server = SubprocessASGIServer._instances.get(None)
    return server.api_url if server is not None and server.port else None


def _gazette_clock(home: Path, say, every: float = 30.0) -> None:
    import time

    from services.gazette.release import release_due
    from services.home.context import open_services
    from services.home.folder import Home
    while True:
        time.sleep(every)
        try:
            done = release_due(open_services(Home(home)))
        except Exception:       # noqa: BLE001 - the database is away: the next tick (or the sweep) tries again
            continue
        for r in done:
            say(f"公报 {_esc(r['issue'])} 已到定时出版时间，已公开" if r.get("released")
                else f"公报 {_esc(r['issue'])} 定时公开未能完成：{_esc(r.get('problems'))}")
        try:        # 定时发布 of signed dossiers whose moment has come (services/publication/schedule.py)
            from services.publication.schedule import publish_due
            for r in publish_due(open_services(Home(home))):
                say(f"卷宗 {_esc(r['dossier'])} 已到定时发布时间，已公开" if r.get("published")
                    else f"卷宗 {_esc(r['dossier'])} 定时发布未能完成：{_esc(r.get('problems'))}")
                done = done or [r]
        except Exception:       # noqa: BLE001 - the database is away: the next tick (or the sweep) tries again
            pass
        if done:
            sys.stdout.flush()


def _sweep(work, say) -> None:
    try:
        done = work.publish_pending()
    except Exception as e:          # noqa: BLE001 - the desk serves on; the scheduled check sweeps again
        say(f"待发布任务补发失败（{type(e).__name__}：{_esc(e)}），将由定时检查或 lockstep publish --pending 重试")
        return
    published = [r["dossier"] for r in done.get("results", []) if r.get("published") and not r.get("already")]
    if published or done.get("placed"):
        say(f"已补发布 {len(published)} 份卷宗：{_esc('、'.join(published))}" if published else "已补齐网站页面")
        sys.stdout.flush()          # an operator tailing the desk's log sees it now
