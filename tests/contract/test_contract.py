"""What clients and the design rely on: the codes, one error shape, the layers' import bans."""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from documents.problems import CODES

ROOT = Path(__file__).resolve().parents[2]

# DESIGN.md, "Stable problem codes": add codes, never rename them.
DESIGN_CODES = {
    "not_docx", "unsafe_path", "bundle_too_large", "encrypted_document", "docno_format", "policy_missing",
    "interpretation_missing", "interpreter_not_drafter", "interpretation_mismatch", "risk_assessment_missing",
    "response_plan_missing", "stage_not_approved", "consultation_open", "not_public",
    "effective_before_gazette", "not_permitted", "date_format", "disclosure_missing", "page_format",
    "font_format", "title_missing",
}
BANNED_IN_DOMAIN = {"sqlalchemy", "prefect", "minio", "fastapi", "alembic", "uvicorn", "storage",
                    "flows", "services", "cli"}


def test_every_design_code_exists():
    assert DESIGN_CODES <= set(CODES)


def test_the_readme_documents_every_code_and_no_other():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", readme, re.M))
    assert documented == set(CODES)


def test_every_code_has_chinese_advice():
    for code, advice in CODES.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in advice), code


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_does_no_io_through_databases_engines_or_object_stores():
    for folder in ("documents", "review"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not (_imports(path) & BANNED_IN_DOMAIN), f"{path} imports {_imports(path) & BANNED_IN_DOMAIN}"


def test_services_never_import_the_workflow_engine():
    for path in (ROOT / "services").rglob("*.py"):
        if path.name == "demo.py":
            continue    # the demo drives the flows, as the command line does
        assert "prefect" not in _imports(path) and "flows" not in _imports(path), path


def test_reads_and_decisions_do_not_start_the_workflow_engine(home, sample_zip):
    """gate, status, review, inspect, queue and register answer without importing Prefect."""
    code = f"""
import sys
from typer.testing import CliRunner
from cli.main import app
r = CliRunner()
for args in (["users", "list"], ["gate", "D1"], ["status", "D1"], ["gazette", "queue"], ["register", "list"],
             ["review", "D1", "--stage", "legality", "--approve", "--as", "reviewer"],
             ["sign-off", "D1", "--as", "signer"], ["inspect", {str(sample_zip())!r}],
             ["submit", {str(sample_zip("complete", name="x.zip", doc_number="根政办发〔2019〕1号"))!r}, "--as", "reviewer"]):
    r.invoke(app, ["--home", {str(home.path)!r}, *args, "--json"])
print("prefect" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


def test_every_refusal_has_one_shape(cli):
    for args in (["gate", "nope"], ["status", "nope"], ["review", "nope", "--stage", "x", "--approve", "--as", "reviewer"]):
        r = cli(*args, "--json")
        doc = json.loads(r.stdout)
        assert r.exit_code == 1
        assert doc["ok"] is False
        assert all(set(p) >= {"code", "message", "severity"} for p in doc["problems"])


def test_every_command_takes_json(cli):
    from typer.main import get_command
    from cli.main import app
    group = get_command(app)

    def walk(cmd, path=()):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, path + (name,))
        else:
            yield path, cmd
    for path, cmd in walk(group):
        assert "--json" in {o for p in cmd.params for o in p.opts}, " ".join(path)


def test_the_readme_documents_every_command():
    from typer.main import get_command
    from cli.main import app
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    def paths(cmd, prefix=()):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from paths(sub, prefix + (name,))
        else:
            yield " ".join(prefix)
    missing = [p for p in paths(get_command(app)) if f"lockstep {p}" not in readme]
    assert missing == []


# ------------------------------------------------------------------ import circles (issue 12)

PACKAGES = ("documents", "review", "storage", "services", "publishing", "flows", "desk", "cli")
NO_CIRCLES_IN = ("documents", "review", "services")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports, anywhere in it: at module level, inside functions
    and under `if TYPE_CHECKING:` alike (a lazy import is a circle deferred, not a circle cut)."""
    files = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}

    def target(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    for mod, path in files.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = [target(a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                    + ([base] if base else []))
                found = [target(f"{base}.{a.name}") for a in node.names]
            else:
                continue
            graph[mod] |= {t for t in found if t and t != mod}
    return graph


def import_circles(graph: dict[str, set[str]], within: str | None = None) -> list[list[str]]:
    """One circle (a → … → a) for each strongly connected group of modules, among the modules
    under `within` (a package name) only, or among all."""
    inside = lambda m: within is None or m == within or m.startswith(within + ".")   # noqa: E731
    nodes = sorted(m for m in graph if inside(m))
    edges = {m: sorted(t for t in graph[m] if inside(t)) for m in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:                 # Tarjan; the graph is a few hundred modules
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in nodes:
        if v not in index:
            connect(v)
    return [_circle_through(g[0], set(g), edges) for g in sorted(groups)]


def _circle_through(start: str, group: set[str], edges: dict[str, list[str]]) -> list[str]:
    """A shortest path start → … → start inside one strongly connected group."""
    came: dict[str, str] = {}
    queue = [start]
    for v in queue:
        for w in edges[v]:
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(came[path[-1]])
                return path[::-1] + [start]
            if w in group and w not in came:
                came[w] = v
                queue.append(w)
    raise AssertionError("not a strongly connected group")


def test_no_import_circles():
    graph = import_graph()
    circles = [c for package in NO_CIRCLES_IN for c in import_circles(graph, package)]
    assert not circles, "import circles: " + "; ".join(" → ".join(c) for c in circles)


QUERY_CALLS = {"execute", "scalars", "scalar", "query", "select", "session"}


def _query_calls(path: Path) -> list[str]:
    """Calls a service must leave to a repository: s.execute(…), s.scalars(…), svc.session(), select(…)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            if name in QUERY_CALLS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}()")
    return found


def test_services_import_no_sqlalchemy_and_leave_every_query_to_a_repository():
    """Issue 12: services take a unit of work (storage/unit.py) and ask its repositories; they
    neither import SQLAlchemy nor hold a session. Services.session() (context.py) is the one door,
    kept for storage code, benches and tests."""
    offending = []
    for path in (ROOT / "services").rglob("*.py"):
        if "sqlalchemy" in _imports(path):
            offending.append(f"{path.relative_to(ROOT)} imports sqlalchemy")
        if path.name != "context.py":
            offending += _query_calls(path)
    assert not offending, offending


def test_services_are_grouped_by_subdomain():
    groups = {p.name for p in (ROOT / "services").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert groups == {"dossiers", "review", "publication", "gazette", "register", "home"}
    loose = [p.name for p in (ROOT / "services").glob("*.py") if p.name != "__init__.py"]
    assert not loose, loose
