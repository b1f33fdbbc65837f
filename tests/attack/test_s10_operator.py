"""Session 10 attacks on what an operator is promised (issue 14, "Operator"): the demo's own home,
public outputs readable and private files private whatever the umask, the 调休 schedule in the config."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKSTEP = [sys.executable, "-m", "cli.main"] if not (ROOT / ".venv/bin/lockstep").exists() else [str(ROOT / ".venv/bin/lockstep")]


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.lstat().st_mode) for p in [root, *root.rglob("*")]}


@pytest.fixture(scope="module")
def demos(tmp_path_factory):
    """Two `lockstep demo` processes side by side, one under umask 000 and one under 077, each started in a
    folder holding a real ./.lockstep home and with LOCKSTEP_DATABASE_URL / LOCKSTEP_OBJECTS naming that
    real home's database and objects (as an operator's shell profile would)."""
    from services.home.context import initialise
    from services.home.folder import Home
    runs = {}
    for mask in (0o000, 0o077):
        base = tmp_path_factory.mktemp(f"demo-{mask:03o}")
        real = Home(base / ".lockstep")
        initialise(real)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCKSTEP_", "PREFECT_"))}
        env.update(LOCKSTEP_DATABASE_URL=f"sqlite:///{real.path / 'lockstep.db'}",
                   LOCKSTEP_OBJECTS=f"folder:{real.path / 'objects'}", PYTHONPATH=str(ROOT))
        objects_before = sorted(p.name for p in (real.path / "objects").rglob("*"))
        proc = subprocess.Popen([*LOCKSTEP, "demo", "--workdir", str(base / "work"), "--json"], cwd=base, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda m=mask: os.umask(m))
        runs[mask] = (proc, real, objects_before)
    answers = {}
    try:
        for mask, (proc, real, objects_before) in runs.items():
            out, err = proc.communicate(timeout=240)
            answers[mask] = (proc.returncode, out, err, real, objects_before)
    finally:
        for proc, _, _ in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return answers


@pytest.mark.parametrize("mask", [0o000, 0o077], ids=["umask000", "umask077"])
def test_the_demo_never_spends_the_numbers_of_the_database_the_environment_names(demos, mask):
    code, out, err, real, objects_before = demos[mask]
    assert code == 0, err[-3000:]
    steps = json.loads(out)
    assert Path(steps["home"]).resolve() != real.path.resolve()
    with sqlite3.connect(real.path / "lockstep.db") as db:
        assert db.execute("select count(*) from dossiers").fetchone()[0] == 0
        assert db.execute("select count(*) from register_entries").fetchone()[0] == 0
        assert db.execute("select count(*) from gazette_issues").fetchone()[0] == 0
    assert sorted(p.name for p in (real.path / "objects").rglob("*")) == objects_before
    with sqlite3.connect(Path(steps["home"]) / "lockstep.db") as db:      # the demo's numbers are its own
        assert db.execute("select count(*) from dossiers").fetchone()[0] == 2


@pytest.mark.parametrize("mask", [0o000, 0o077], ids=["umask000", "umask077"])
def test_public_outputs_are_for_a_web_server_and_the_rest_stays_private_whatever_the_umask(demos, mask):
    code, out, err, _, _ = demos[mask]
    assert code == 0, err[-3000:]
    home = Path(json.loads(out)["home"])
    modes = _modes(home)
    public = {k: m for k, m in modes.items() if k.split("/")[0] in ("site", "gazette")}
    assert any(k.startswith("gazette/") and k.endswith(".html") for k in public) and any(k.startswith("site/policies/") for k in public)
    wrong = {k: oct(m) for k, m in public.items()
             if m != (0o755 if (home / k).is_dir() else 0o644) and not Path(k).name.startswith(".")}
    assert not wrong, f"public outputs not 0644/0755 under umask {mask:03o}: {wrong}"
    private = {k: m for k, m in modes.items() if k.split("/")[0] in ("lockstep.toml", "objects")
               or k.startswith("lockstep.db")}
    leaky = {k: oct(m) for k, m in private.items() if m & 0o077}
    assert not leaky, f"private files readable by others under umask {mask:03o}: {leaky}"
    assert modes["."] == 0o711
