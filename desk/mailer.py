"""The desk's notification sender (issue 14): at start the sweep (deadline notices, then every mail
due), then every MAIL_EVERY seconds the mail that has fallen due. A decision made anywhere writes its
notices in its own transaction; this thread mails them shortly after, and never inside a request."""
from __future__ import annotations

import threading
from pathlib import Path

MAIL_EVERY = 30.0       # seconds between two looks at the outbox


def start(home: Path, say=print, every: float = MAIL_EVERY) -> threading.Event:
    """Start the sender thread; setting the returned event stops it."""
    stop = threading.Event()
    threading.Thread(target=_run, args=(home, say, every, stop), name="lockstep-mailer", daemon=True).start()
    return stop


def _run(home: Path, say, every: float, stop: threading.Event) -> None:
    from services.home.context import open_services
    from services.home.folder import Home
    from services.home.notifications import send_pending, sweep
    first = True
    while not stop.is_set():
        try:
            svc = open_services(Home(home))
            result = sweep(svc).mail if first else send_pending(svc)
            first = False
            if result.sent or result.failed:
                say(f"通知邮件：已发送 {len(result.sent)} 封" + (f"，发送失败 {len(result.failed)} 封" if result.failed else ""))
        except Exception as e:      # noqa: BLE001 - the desk serves on; the next round tries again
            from cli.output import esc      # `say` is the console of lockstep serve: an error's "[a]" prints as written
            say(f"通知邮件发送中断（{type(e).__name__}：{esc(e)}），{every:.0f} 秒后重试")
        stop.wait(every)
