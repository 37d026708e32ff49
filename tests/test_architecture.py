"""The house rules, checked on the source: floors, private modules, cycles, sizes, test mirrors.

Every rule reads the code with :mod:`ast` (nothing is imported but in the subprocess checks), so
a violation names the file and line. The floors are ARCHITECTURE's:

    assess    -> lineage, compress, measure, carbon
    compress  -> lineage, measure, carbon
    measure   -> carbon
    lineage   -> carbon
    carbon    -> (no other package of the project)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("carbon", "lineage", "measure", "compress", "assess")
FLOORS = {
    "carbon": set(),
    "lineage": {"carbon"},
    "measure": {"carbon"},
    "compress": {"lineage", "measure", "carbon"},
    "assess": {"lineage", "compress", "measure", "carbon"},
}
MAX_LINES = 450
MAX_ASSESS_TOP = 12


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _imports(module: str, path: Path, *, top_level_only: bool
             ) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in the file; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def walk(body: list[ast.stmt]) -> Iterator[ast.stmt]:
        for node in body:
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue  # typing only: never executed
            yield node
            if top_level_only:
                if isinstance(node, (ast.If, ast.Try, ast.With)):
                    for field in ("body", "orelse", "finalbody", "handlers"):
                        for sub in getattr(node, field, []) or []:
                            if isinstance(sub, ast.ExceptHandler):
                                yield from walk(sub.body)
                            else:
                                yield from walk([sub])
            else:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        yield from walk([child])

    for node in walk(tree.body):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            subs = [f"{name}.{a.name}" for a in node.names if f"{name}.{a.name}" in MODULES]
            if len(subs) < len(node.names):  # names of the module itself
                yield name, node.lineno
            for full in subs:  # `from pkg import submodule` imports the submodule
                yield full, node.lineno


def _top(name: str) -> str:
    return name.split(".")[0]


def test_floors() -> None:
    bad = []
    for mod, path in MODULES.items():
        own = _top(mod)
        for name, line in _imports(mod, path, top_level_only=False):
            other = _top(name)
            if other in PACKAGES and other != own and other not in FLOORS[own]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not bad, "imports against the floors:\n" + "\n".join(bad)


def test_no_private_module_of_another_package() -> None:
    bad = []
    for mod, path in MODULES.items():
        own = _top(mod)
        for name, line in _imports(mod, path, top_level_only=False):
            if _top(name) in PACKAGES and _top(name) != own and any(
                    p.startswith("_") for p in name.split(".")[1:]):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not bad, "private modules of another package:\n" + "\n".join(bad)


def test_no_import_cycle() -> None:
    g = nx.DiGraph()
    for mod, path in MODULES.items():
        g.add_node(mod)
        for name, _ in _imports(mod, path, top_level_only=True):
            if name in MODULES and name != mod:
                g.add_edge(mod, name)
    # A package importing its own submodules is how a package exposes them; a submodule
    # importing its package back (``from carbon import X`` inside carbon) closes a cycle.
    cycles = list(nx.simple_cycles(g))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c + c[:1]) for c in cycles[:10])


def test_module_sizes() -> None:
    big = {str(p.relative_to(ROOT)): n for p in MODULES.values()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def test_assess_top_level_is_small() -> None:
    top = sorted(p.name for p in (ROOT / "assess").iterdir()
                 if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
    assert len(top) <= MAX_ASSESS_TOP, top


def test_tests_mirror_modules() -> None:
    """At least 80 % of the modules have a test module named after them."""
    tests = {p.stem for p in (ROOT / "tests").rglob("test_*.py")}
    names = []
    for mod, path in MODULES.items():
        if path.name == "__init__.py":
            continue  # a package's exports, tested through its modules
        names.append((mod, f"test_{mod.split('.')[-1].lstrip('_')}" in tests))
    missing = [m for m, ok in names if not ok]
    ratio = 1 - len(missing) / len(names)
    assert ratio >= 0.8, f"{ratio:.0%} mirrored; no test module for: {missing}"


@pytest.mark.parametrize("package, forbidden", [
    ("carbon", ("networkx", "torch", "pynvml", "lineage", "measure", "matplotlib")),
    ("lineage", ("torch", "pynvml", "measure", "compress")),
    ("measure", ("torch", "pynvml", "networkx")),
    ("compress", ("torch", "pynvml")),
    # (pint itself imports dask when it is installed: pint.compat probes for dask arrays)
    ("assess", ("torch", "pynvml", "distributed", "matplotlib.pyplot")),
])
def test_import_pulls_in_nothing_heavy(package: str, forbidden: tuple[str, ...]) -> None:
    # every public name: a package's exports load lazily (PEP 562), on first use
    code = (f"import sys; from {package} import *; "
            f"print(','.join(m for m in {forbidden!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=300).stdout.strip()
    assert out == "", f"import {package} imported {out}"


#: What the command line must not import before a command runs (its help is instant).
#: (Not pydantic: typer itself builds a pydantic adapter per option for a command's help.)
CLI_FORBIDDEN = ("pandas", "pint", "numpy", "scipy", "torch", "dask", "distributed",
                 "matplotlib", "sqlalchemy", "networkx", "lineage", "measure", "compress")


@pytest.mark.parametrize("argv", [None, ["--help"], ["measure", "--help"],
                                  ["requests", "--help"], ["product", "add", "--help"]])
def test_cli_help_pulls_in_nothing_heavy(argv: list[str] | None) -> None:
    """``modelcarbon --help`` (and a command's) imports none of the heavy libraries."""
    run = "" if argv is None else f"\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    code = (f"import sys\nfrom assess.cli import main{run}\n"
            f"print(','.join(m for m in {CLI_FORBIDDEN!r} if m in sys.modules), "
            "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True, timeout=300)
    assert done.stderr.strip() == "", f"modelcarbon {argv} imported {done.stderr.strip()}"
    assert argv is None or "Usage:" in done.stdout


def _lazy_exports(path: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]], set[str]]:
    """(module, name) imported under TYPE_CHECKING, (module, name) of ``_EXPORTS``, ``__all__``
    of a package ``__init__`` that loads its exports lazily."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typed: set[tuple[str, str]] = set()
    exports: set[tuple[str, str]] = set()
    public: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and _is_type_checking(node):
            typed |= {(sub.module or "", a.name) for sub in node.body
                      if isinstance(sub, ast.ImportFrom) for a in sub.names}
        target = (node.target if isinstance(node, ast.AnnAssign) else
                  node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "_EXPORTS" and node.value is not None:
            value = ast.literal_eval(node.value)
            exports = {(m, n) for m, names in value.items() for n in names}
        if isinstance(target, ast.Name) and target.id == "__all__" and node.value is not None:
            public = set(ast.literal_eval(node.value))
    return typed, exports, public


LAZY = sorted(mod for mod, path in MODULES.items()
              if path.name == "__init__.py" and "_EXPORTS" in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("package", LAZY)
def test_lazy_exports_agree(package: str) -> None:
    """A lazy ``__init__`` names each export three times: typed import, map, ``__all__``."""
    typed, exports, public = _lazy_exports(MODULES[package])
    assert exports == typed, (f"{package}: _EXPORTS and the TYPE_CHECKING imports differ: "
                              f"{sorted(exports ^ typed)}")
    assert {n for _, n in exports} == public, (
        f"{package}: __all__ and _EXPORTS differ: {sorted(public ^ {n for _, n in exports})}")


def test_lazy_exports_resolve() -> None:
    """Every lazy export imports, and ``dir()`` lists it."""
    code = ("import importlib\n"
            f"for name in {LAZY!r}:\n"
            "    pkg = importlib.import_module(name)\n"
            "    missing = [n for n in pkg.__all__ if n not in dir(pkg)]\n"
            "    assert not missing, (name, missing)\n"
            "    for n in pkg.__all__:\n"
            "        getattr(pkg, n)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
