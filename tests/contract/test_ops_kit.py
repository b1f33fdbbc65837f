"""The operator kit (ops/province/, issue 13 item 4) cannot rot.

compose.yaml and the systemd units run `lockstep` commands and set configuration keys and
environment variables; Docker is not on these machines, so nothing else would notice when one of
them stops existing. Here, without Docker or systemd:

- every `lockstep` command line they run parses against the real CLI (typer's click tree):
  the subcommand exists and every option it passes is one that subcommand takes; every
  `prefect` command line is one Prefect's own CLI answers --help for, with those options;
- every key of lockstep.province.toml is read: changing its value changes what Lockstep's
  readers return (Home, flows.workpool.settings_of, desk.auth.desk_settings), and the fragment
  still makes a valid configuration with the organisation `lockstep init` writes;
- every environment variable set is read: LOCKSTEP_* by Lockstep's code, PREFECT_* is a Prefect
  setting, POSTGRES_*/MINIO_* only on the service whose image documents them; every ${VAR}
  compose interpolates has a line in compose.env.example;
- every compose service names its counterpart on plain machines (x-systemd), the unit is in
  ops/province/systemd/ (or is a Debian package's own unit the guide names), no unit is orphaned,
  and the unit runs the same lockstep subcommands as the service;
- the desks' health-check path is a route the desk serves, and every lockstep subcommand compose
  runs is one scripts/province runs (the compose file says it mirrors that script).
"""
from __future__ import annotations

import configparser
import functools
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "ops" / "province"
UNITS = KIT / "systemd"
LOCKSTEP_BIN = ("lockstep", "/opt/lockstep/.venv/bin/lockstep")
PREFECT_BIN = ("prefect", "/opt/lockstep/.venv/bin/prefect")
# Units a Debian package provides (the guide says which package); everything else is shipped here.
DISTRO_UNITS = {"postgresql@15-main.service": "postgresql-15", "nginx.service": "nginx"}
# Variables an image (or package) documents for itself, allowed only on that service / env file.
IMAGE_VARS = {"POSTGRES_": "postgres", "MINIO_": "minio"}
PYTHON_VARS = {"PYTHONUNBUFFERED"}             # Python's own (logs reach journald / docker logs at once)
SPECIFIERS = {"%i": "8765", "%H": "host", "%%": "%"}


def _compose() -> dict:
    return yaml.safe_load((KIT / "compose.yaml").read_text(encoding="utf-8"))


def _units() -> dict[str, configparser.ConfigParser]:
    out = {}
    for path in sorted(UNITS.glob("*.service")):
        cp = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
        cp.optionxform = str
        # Repeated keys (ExecStart= twice in a oneshot) are legal in units: keep them all (Key#n).
        text = path.read_text(encoding="utf-8")
        lines, seen = [], {}
        for line in text.splitlines():
            m = re.match(r"^([A-Za-z]+)=(.*)$", line)
            if m:
                seen[m.group(1)] = seen.get(m.group(1), 0) + 1
                line = f"{m.group(1)}#{seen[m.group(1)]}={m.group(2)}"
            lines.append(line)
        cp.read_string("\n".join(lines))
        out[path.name] = cp
    return out


def _unit_values(cp: configparser.ConfigParser, key: str) -> list[str]:
    return [v for sect in cp.sections() for k, v in cp.items(sect) if k.split("#")[0] == key]


def _specified(text: str) -> str:
    for spec, value in SPECIFIERS.items():
        text = text.replace(spec, value)
    return text


def _invocations(argv: list[str]) -> list[list[str]]:
    """The command lines inside one: `sh -c "a && b"` is two."""
    if len(argv) >= 3 and argv[0] in ("sh", "/bin/sh") and argv[1] == "-c":
        parts = re.split(r"&&|;|\|\|", argv[2])
        return [shlex.split(p) for p in parts if p.strip()]
    return [argv]


def _compose_commands() -> dict[str, list[list[str]]]:
    out = {}
    for name, svc in _compose()["services"].items():
        cmd = svc.get("command")
        if cmd is None:
            out[name] = []
            continue
        argv = shlex.split(cmd) if isinstance(cmd, str) else [str(a) for a in cmd]
        out[name] = _invocations(argv)
    return out


def _unit_commands() -> dict[str, list[list[str]]]:
    out = {}
    for name, cp in _units().items():
        lines = []
        for key in ("ExecStartPre", "ExecStart", "ExecStartPost", "ExecStop"):
            for v in _unit_values(cp, key):
                v = v.lstrip("-+@!:")
                lines += _invocations(shlex.split(_specified(v)))
        out[name] = lines
    return out


@functools.cache
def _lockstep_tree():
    import typer.main

    from cli.main import app
    return typer.main.get_command(app)


def _parse_lockstep(argv: list[str], *, naming: bool = False) -> list[str]:
    """Parse a lockstep command line the way the CLI would (no callback runs); returns the
    subcommand path, e.g. ["serve"] or ["users", "token"]. Raises the CLI's UsageError. naming: the
    line only names a command (prose), so a required argument it leaves out is not an error."""
    group = _lockstep_tree()
    ctx = group.make_context("lockstep", list(argv[1:]))
    path: list[str] = []
    cmd, args = group, list(ctx._protected_args) + list(ctx.args)     # noqa: SLF001
    while hasattr(cmd, "commands"):
        assert args, f"{argv}: a command group needs a subcommand"
        sub = cmd.get_command(ctx, args[0])
        assert sub is not None, f"{argv}: lockstep has no command {' '.join(path + [args[0]])!r}"
        path.append(args[0])
        try:
            ctx = sub.make_context(args[0], args[1:], parent=ctx)
        except Exception as e:
            if naming and type(e).__name__ == "MissingParameter":
                return path
            raise
        cmd = sub
        args = list(getattr(ctx, "_protected_args", [])) + list(ctx.args)
    assert not args, f"{argv}: arguments left over: {args}"
    return path


def _lockstep_lines(commands: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    return {n: [a for a in lines if a and a[0] in LOCKSTEP_BIN] for n, lines in commands.items()}


def test_the_kit_is_there():
    for name in ("compose.yaml", "Dockerfile", "nginx.conf", "lockstep.province.toml", "compose.env.example"):
        assert (KIT / name).is_file(), name
    assert (KIT / "GUIDE.md").is_file() or ((KIT / "GUIDE.zh.md").is_file() and (KIT / "GUIDE.en.md").is_file())
    assert _units(), "no systemd units"
    assert (UNITS / "lockstep.env.example").is_file()
    head = (KIT / "compose.yaml").read_text(encoding="utf-8")[:1500]
    assert "scripts/province" in head and "proven" in head, "compose.yaml must say what scripts/province proves"


def test_every_lockstep_command_the_kit_runs_parses_against_the_cli():
    seen = set()
    for where, commands in (("compose", _compose_commands()), ("systemd", _unit_commands())):
        for name, lines in _lockstep_lines(commands).items():
            for argv in lines:
                try:
                    seen.add(" ".join(_parse_lockstep(argv)))
                except Exception as e:          # the CLI's own UsageError, with its message
                    pytest.fail(f"{where} {name}: {' '.join(argv)}: {e}")
    # The kit runs at least the province's four commands.
    assert {"init", "deploy", "serve", "worker"} <= seen, seen


def test_every_lockstep_command_the_guide_names_exists():
    """The guide's `lockstep …` spans: the command exists and takes the options shown."""
    spans = set()
    for guide in KIT.glob("GUIDE*.md"):
        spans |= set(re.findall(r"`(lockstep [^`]+)`", guide.read_text(encoding="utf-8")))
    assert len(spans) >= 8, spans
    for span in sorted(spans):
        try:
            _parse_lockstep(shlex.split(span), naming=True)
        except Exception as e:
            pytest.fail(f"GUIDE: `{span}`: {e}")


def test_a_wrong_command_or_option_would_be_caught():
    """The parse above is not vacuous."""
    with pytest.raises(Exception, match="--bogus"):
        _parse_lockstep(["lockstep", "serve", "--bogus", "1"])
    with pytest.raises(AssertionError, match="no command"):
        _parse_lockstep(["lockstep", "serv"])


def test_every_prefect_command_the_kit_runs_is_one_prefect_has():
    lines = {" ".join(a) for cmds in (_compose_commands(), _unit_commands())
             for ls in cmds.values() for a in ls if a and a[0] in PREFECT_BIN}
    assert lines, "the kit starts a Prefect server"
    subcommands: dict[tuple, set[str]] = {}
    for line in lines:
        argv = shlex.split(line)
        sub = tuple(a for a in argv[1:] if not a.startswith("-"))[:2]
        subcommands.setdefault(sub, set()).update(a.split("=")[0] for a in argv if a.startswith("--"))
    for sub, options in subcommands.items():
        r = subprocess.run([str(Path(sys.executable).parent / "prefect"), *sub, "--help"], capture_output=True,
                           text=True, timeout=120, env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
        assert r.returncode == 0, (sub, r.stdout, r.stderr)
        for opt in options:
            assert opt in r.stdout, f"prefect {' '.join(sub)} has no option {opt}"


# -- configuration keys -------------------------------------------------------------------------

def _fragment() -> dict:
    return tomllib.loads((KIT / "lockstep.province.toml").read_text(encoding="utf-8"))


def _mutated(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 7
    if isinstance(value, float):
        return value + 7.5
    if isinstance(value, list):
        return [*value, "10.99.0.1"]
    if isinstance(value, str) and value.startswith("s3://"):
        return value.replace("/lockstep?", "/lockstep-other?")
    if isinstance(value, str) and " " in value:                  # a cron line
        return "15 9 * * 1-5"
    return value + "x" if isinstance(value, str) else pytest.fail(f"no mutation for {value!r}")


def _home_with(tmp: Path, fragment: dict):
    """A home whose lockstep.toml is init's organisation plus the fragment's tables."""
    import tomlkit

    from review.config import DEFAULT_CONFIG_TOML
    from services.home.folder import Home
    doc = tomlkit.parse(DEFAULT_CONFIG_TOML)
    for section, table in fragment.items():
        doc[section] = table
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "lockstep.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    return Home(tmp)


def _readings(home) -> tuple:
    """What Lockstep's code reads from a home's lockstep.toml, in one comparable value."""
    from desk.auth import desk_settings
    from flows.on_pool import wait_of
    from flows.workpool import settings_of
    return (home.database_url, home.objects_url, settings_of(home), desk_settings(home.path), wait_of(home.path))


@pytest.fixture
def no_env_overrides(monkeypatch):
    for name in ("LOCKSTEP_DATABASE_URL", "LOCKSTEP_OBJECTS", "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)


def test_every_key_of_the_province_fragment_is_read(tmp_path, no_env_overrides):
    fragment = _fragment()
    assert {"storage", "prefect", "desk"} <= set(fragment)
    base = _readings(_home_with(tmp_path / "base", fragment))
    for section, table in fragment.items():
        assert isinstance(table, dict), section
        for key, value in table.items():
            changed = {**fragment, section: {**table, key: _mutated(value)}}
            got = _readings(_home_with(tmp_path / f"{section}-{key}", changed))
            assert got != base, f"lockstep.province.toml [{section}] {key}: no reader sees it (an invented key?)"


def test_an_invented_key_would_be_caught(tmp_path, no_env_overrides):
    fragment = _fragment()
    fragment["prefect"] = {**fragment["prefect"], "workers": 2}
    base = _readings(_home_with(tmp_path / "a", fragment))
    fragment["prefect"]["workers"] = 3
    assert _readings(_home_with(tmp_path / "b", fragment)) == base


def test_the_fragment_makes_a_valid_configuration_with_the_organisation(tmp_path, no_env_overrides):
    from review.config import parse_config
    home = _home_with(tmp_path / "h", _fragment())
    parse_config(home.config_path.read_text(encoding="utf-8"))
    from flows.workpool import settings_of
    s = settings_of(home)
    assert s.api_url.endswith("/api") and s.pool


# -- environment variables ----------------------------------------------------------------------

def _env_files() -> dict[str, dict[str, str]]:
    out = {}
    for path in [KIT / "compose.env.example", *sorted(UNITS.glob("*.env.example"))]:
        pairs = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                k, _, v = line.partition("=")
                pairs[k.strip()] = v.strip()
        out[path.name] = pairs
    return out


def _compose_env() -> dict[str, dict[str, str]]:
    out = {}
    for name, svc in _compose()["services"].items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.split("=", 1) for e in env)
        out[name] = {k: str(v) for k, v in env.items()}
    return out


def _unit_env() -> dict[str, dict[str, str]]:
    out = {}
    for name, cp in _units().items():
        pairs = {}
        for v in _unit_values(cp, "Environment"):
            for item in shlex.split(v):
                k, _, val = item.partition("=")
                pairs[k] = val
        out[name] = pairs
    return out


_SOURCES = ("documents", "review", "services", "storage", "flows", "desk", "cli", "publishing", "templates")


@functools.cache
def _source_texts() -> tuple[str, ...]:
    return tuple(p.read_text(encoding="utf-8") for d in _SOURCES for p in (ROOT / d).rglob("*.py"))


def _read_by_lockstep(name: str) -> bool:
    pattern = re.compile(r"environ(?:\.get\(|\[|\.setdefault\(|\.pop\()\s*['\"]" + re.escape(name) + r"['\"]")
    return any(pattern.search(text) for text in _source_texts())


@functools.cache
def _prefect_settings() -> frozenset[str]:
    from prefect.settings import Settings
    from prefect.settings.legacy import _get_settings_fields
    return frozenset(_get_settings_fields(Settings))


def test_every_environment_variable_the_kit_sets_is_read():
    prefect = _prefect_settings()
    places = [(f"compose {n}", env, n) for n, env in _compose_env().items()]
    places += [(f"systemd {n}", env, n) for n, env in _unit_env().items()]
    places += [(f"env file {n}", env, n) for n, env in _env_files().items()]
    assert any("LOCKSTEP_DATABASE_URL" in env for _, env, _ in places)
    for where, env, owner in places:
        for name in env:
            if name.startswith("LOCKSTEP_"):
                assert _read_by_lockstep(name), f"{where}: Lockstep never reads {name}"
            elif name.startswith("PREFECT_"):
                assert name in prefect, f"{where}: {name} is not a Prefect setting"
            elif any(name.startswith(p) for p in IMAGE_VARS):
                image = next(v for p, v in IMAGE_VARS.items() if name.startswith(p))
                assert image in owner, f"{where}: {name} belongs to the {image} service only"
            elif name in PYTHON_VARS:
                continue
            elif owner == "compose.env.example":
                continue            # compose's own interpolation values, checked below
            else:
                pytest.fail(f"{where}: {name} is read by nothing the kit knows")


def test_compose_interpolates_only_what_its_env_example_defines():
    text = (KIT / "compose.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    defined = set(_env_files()["compose.env.example"])
    assert used and used <= defined, used - defined
    for name in defined:
        if name.startswith(("MINIO_", "POSTGRES_")):
            pytest.fail(f"compose.env.example sets {name}: image variables belong in compose.yaml")


def test_a_variable_nobody_reads_would_be_caught():
    assert not _read_by_lockstep("LOCKSTEP_NO_SUCH_SETTING")
    assert _read_by_lockstep("LOCKSTEP_DATABASE_URL")
    assert "PREFECT_NO_SUCH_SETTING" not in _prefect_settings()


# -- compose and systemd say the same ----------------------------------------------------------

def _template(unit: str) -> str:
    return re.sub(r"@[^.]+\.service$", "@.service", unit)


def test_every_compose_service_has_a_systemd_counterpart_running_the_same_commands():
    services = _compose()["services"]
    units = _unit_commands()
    guide = "".join(p.read_text(encoding="utf-8") for p in KIT.glob("GUIDE*.md"))
    used = set()
    compose_lockstep = _lockstep_lines(_compose_commands())
    unit_lockstep = _lockstep_lines(units)
    for name, svc in services.items():
        unit = svc.get("x-systemd")
        assert unit, f"compose service {name} names no systemd counterpart (x-systemd)"
        if unit in DISTRO_UNITS:
            assert DISTRO_UNITS[unit] in guide, f"the guide must name the Debian package {DISTRO_UNITS[unit]}"
            assert not compose_lockstep[name], name
            continue
        file = _template(unit)
        assert file in units, f"compose service {name}: ops/province/systemd/{file} is missing"
        used.add(file)
        ours = sorted(" ".join(_parse_lockstep(a)) for a in compose_lockstep[name])
        theirs = sorted(" ".join(_parse_lockstep(a)) for a in unit_lockstep[file])
        assert ours == theirs, f"{name} runs lockstep {ours}, {file} runs {theirs}"
    assert used == set(units), f"units no compose service names: {set(units) - used}"


def test_the_desks_health_check_is_a_route_the_desk_serves():
    services = _compose()["services"]
    routes = set(re.findall(r"@app\.get\(\"([^\"]+)\"", (ROOT / "desk" / "app.py").read_text(encoding="utf-8")))
    checked = 0
    for name, lines in _lockstep_lines(_compose_commands()).items():
        if any(_parse_lockstep(a) == ["serve"] for a in lines):
            test = " ".join(services[name]["healthcheck"]["test"])
            paths = re.findall(r"https?://[^/'\"]+(/[^'\" ]*)", test)
            assert paths and all(p in routes for p in paths), (name, paths, routes)
            checked += 1
    assert checked == 2, "two desks"


def test_compose_runs_only_lockstep_commands_scripts_province_runs():
    script = ROOT / "scripts" / "province"
    assert script.is_file(), "the kit mirrors scripts/province, which must be there"
    text = script.read_text(encoding="utf-8")
    for name, lines in _lockstep_lines(_compose_commands()).items():
        for argv in lines:
            sub = _parse_lockstep(argv)
            assert re.search(r"['\"\s]" + re.escape(sub[0]) + r"['\"\s]", text), \
                f"compose {name} runs lockstep {sub[0]}, which scripts/province never runs"


def test_compose_sets_only_prefect_variables_scripts_province_or_lockstep_sets():
    """The same environment as scripts/province: a PREFECT_* variable compose sets is one that script
    sets too, or one Lockstep's own code reads (PREFECT_UI_URL for the desk's link)."""
    script = ROOT / "scripts" / "province"
    assert script.is_file(), "the kit mirrors scripts/province, which must be there"
    text = script.read_text(encoding="utf-8")
    for name, env in _compose_env().items():
        for var in env:
            if var.startswith("PREFECT_"):
                assert var in text or _read_by_lockstep(var), \
                    f"compose {name} sets {var}, which neither scripts/province nor Lockstep sets or reads"
