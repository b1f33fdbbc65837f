"""The in-process Prefect server dies with the command that started it (issue 12, item 5).

`lockstep batch` on a home with no desk runs its flow here, and Prefect starts a temporary API
server (a uvicorn child). The command is killed with SIGKILL once that child is up; within 15 s no
process whose parent was the command, and none running with this home's PREFECT_HOME, may remain.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from samples.genhe import write_bundles

ROOT = Path(__file__).resolve().parents[2]
LOCKSTEP = Path(sys.executable).parent / "lockstep"


def _processes() -> dict[int, tuple[int, bytes, bytes]]:
    """pid -> (parent pid, cmdline, environ) of every process we can read."""
    found = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            found[int(d.name)] = (ppid, (d / "cmdline").read_bytes(), (d / "environ").read_bytes())
        except (OSError, ValueError, IndexError):
            continue
    return found


def _ours(pid: int, prefect_home: Path) -> list[int]:
    marker = f"PREFECT_HOME={prefect_home}".encode()
    return [p for p, (ppid, _, env) in _processes().items()
            if p != pid and (ppid == pid or marker in env.split(b"\0"))]


def test_killed_command_leaves_no_prefect_server(tmp_path):
    home = tmp_path / "home"
    assert subprocess.run([str(LOCKSTEP), "--home", str(home), "init"], cwd=ROOT, capture_output=True,
                          timeout=60).returncode == 0
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    write_bundles(bundles, 2, seed=44)
    prefect_home = (home / "prefect").resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}    # ephemeral, this home
    proc = subprocess.Popen([str(LOCKSTEP), "--home", str(home), "batch", str(bundles), "--as", "drafter", "--json"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        server = []
        while not server:
            assert proc.poll() is None, "the batch ended before Prefect's server started"
            assert time.monotonic() < deadline, "Prefect's temporary server never started"
            server = [p for p, (ppid, cmd, _) in _processes().items() if ppid == proc.pid and b"uvicorn" in cmd]
            time.sleep(0.2)
        time.sleep(1.0)                       # the server is up and serving, not just forked
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 15
        while (left := _ours(proc.pid, prefect_home)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"left running after the command was killed: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _ours(proc.pid, prefect_home):              # only what this test started
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
