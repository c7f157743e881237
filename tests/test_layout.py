"""The layered core's structure (issue 10): dependencies point one way, no cycle, no import hidden inside a
function to dodge one, no streamlit below the pages, every module importable on its own, files of one job."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "lstm_core"
MODULES = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                 for p in CORE.rglob("*.py") if p.name != "__main__.py")    # __main__ runs a CLI
MAX_LINES = 450


def _imports(path: Path, root: Path = ROOT) -> list[tuple[str, bool]]:
    """(imported lstm_core module, inside a function?) for every import in a file."""
    tree = ast.parse(path.read_text())
    module = ".".join(path.relative_to(root).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if not module.endswith("__init__") else module.removesuffix(".__init__")
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in ("lstm_core", "streamlit"):
                out.append((name, id(node) in nested))
    return out


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in CORE.rglob("*.py"):
        mod = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[mod] = {name for name, _ in _imports(path) if name in MODULES and name != mod}
    return graph


def test_no_import_cycle():
    graph, state, cycles = _graph(), {}, []

    def visit(m, stack):
        state[m] = "open"
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n, stack + [n])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, f"import cycles: {cycles}"


def test_no_function_local_imports_of_the_core_and_no_streamlit():
    bad = [(str(p.relative_to(ROOT)), name) for p in CORE.rglob("*.py") for name, local in _imports(p)
           if local or name.startswith("streamlit")]
    assert not bad, f"function-local lstm_core imports or streamlit in the core: {bad}"


def test_the_import_reader_sees_both_kinds(tmp_path):
    """The reader sees a top-level import and a function-local one (so the checks above can fail)."""
    pkg = tmp_path / "lstm_core"
    pkg.mkdir()
    (pkg / "a.py").write_text("from lstm_core import b\n")
    (pkg / "b.py").write_text("def f():\n    from lstm_core import a\n")
    names = ([name for name, _ in _imports(pkg / "a.py", tmp_path)]
             + [name for name, local in _imports(pkg / "b.py", tmp_path) if local])
    assert "lstm_core.b" in names and "lstm_core.a" in names


def test_every_module_imports_alone_and_in_any_order():
    """Each order imports every module in one fresh interpreter; a cycle or a missing import fails it."""
    for order in (MODULES, MODULES[::-1]):
        code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in order)
        run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]


def test_files_stay_small():
    big = {str(p.relative_to(ROOT)): n for p in CORE.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not big, f"files over {MAX_LINES} lines: {big}"
