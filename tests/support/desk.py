"""`lockstep serve` as its own process on loopback, as an office would run it."""
from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def running_desk(home: Path, timeout: float = 180, extra: tuple[str, ...] = ()):
    """Yields desk.json's contents (url, pid, token) once the desk listens; stops it after."""
    log = home.parent / "desk.log"          # the desk's own output, for a failing test to show
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "--home", str(home), "serve", "--port", "0", *extra],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
    info = home / "desk.json"
    try:
        deadline = time.monotonic() + timeout
        while not info.exists():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"the desk did not start in {timeout:.0f} s"
            time.sleep(0.2)
        yield {**json.loads(info.read_text()), "log": str(log)}
    finally:
        if proc.poll() is not None:
            print(f"the desk stopped by itself (exit {proc.returncode}):\n{log.read_text()[-4000:]}")
        stop(proc)


def stop(proc: subprocess.Popen, grace: float = 30) -> None:
    """TERM, then KILL after `grace` seconds: a desk (or any server) a test started never outlives it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
