"""The dependency rule, enforced by walking every import with ast."""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("domain", "ports", "application", "adapters", "entrypoints", "simulator")
STDLIB = frozenset(sys.stdlib_module_names)
# stdlib modules that would give the domain I/O, a clock or randomness
DOMAIN_FORBIDDEN_STDLIB = frozenset({
    "os", "io", "socket", "asyncio", "random", "secrets", "time", "subprocess", "pathlib",
    "threading", "multiprocessing", "uuid", "shutil", "tempfile", "urllib", "http", "ssl",
    "select", "selectors", "signal", "sqlite3", "logging",
})
DI_OR_CLI = frozenset({"dependency_injector", "typer"})


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def _allowed(layer: str, top: str) -> str | None:
    """None if layer may import top, else the rule it breaks."""
    if top in DI_OR_CLI and layer != "entrypoints":
        return "only entrypoints/ may import dependency_injector or typer"
    if layer == "domain":
        if top in DOMAIN_FORBIDDEN_STDLIB:
            return "domain/ is pure: no I/O, clock or randomness modules"
        if top not in STDLIB and top not in {"attrs", "domain"}:
            return "domain/ imports only the standard library and attrs"
    if layer == "ports" and top not in STDLIB and top not in {"attrs", "domain", "ports"}:
        return "ports/ imports only domain (plus stdlib and attrs for its types)"
    if layer == "application" and top in {"adapters", "entrypoints", "simulator", "httpx",
                                           "websockets", "starlette", "uvicorn"}:
        return "application/ talks to the world only through ports"
    if layer == "adapters" and top in {"application", "entrypoints", "simulator"}:
        return "adapters/ implement ports; they do not call use-cases or the simulator"
    if layer == "simulator" and top in {"domain", "ports", "application", "adapters",
                                         "entrypoints"}:
        return "simulator/ is a separate exchange and imports nothing of the engine"
    return None


def violations(root: Path) -> list[str]:
    found = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            for lineno, top in _imports(path):
                rule = _allowed(layer, top)
                if rule:
                    found.append(f"{path.relative_to(root)}:{lineno} imports {top}: {rule}")
    return found


def test_the_codebase_follows_the_dependency_rule() -> None:
    assert violations(ROOT) == []


@pytest.mark.parametrize(("layer", "source", "rule_fragment"), [
    ("domain", "import httpx\n", "only the standard library and attrs"),
    ("domain", "from os import path\n", "pure"),
    ("domain", "import random\n", "pure"),
    ("ports", "import httpx\n", "imports only domain"),
    ("application", "from adapters.okx import rest\n", "only through ports"),
    ("application", "import websockets\n", "only through ports"),
    ("adapters", "import typer\n", "dependency_injector or typer"),
    ("simulator", "from domain.orders import Side\n", "separate exchange"),
])
def test_the_checker_catches_a_forbidden_import(tmp_path: Path, layer: str, source: str,
                                                rule_fragment: str) -> None:
    (tmp_path / layer).mkdir()
    (tmp_path / layer / "bad.py").write_text(source)
    found = violations(tmp_path)
    assert len(found) == 1
    assert rule_fragment in found[0]


def test_the_checker_accepts_allowed_imports(tmp_path: Path) -> None:
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "ok.py").write_text("import attrs\nfrom decimal import Decimal\n")
    (tmp_path / "entrypoints").mkdir()
    (tmp_path / "entrypoints" / "ok.py").write_text("import typer\nimport dependency_injector\n")
    assert violations(tmp_path) == []


# --- issue 9: use-cases depend on roles; adapters are built only by the composition root
SEED_SURFACE = "ports.exchange"
CONTAINER = Path("entrypoints") / "container.py"
# the composition root: the container and each venue's part of it (imported per venue)
COMPOSITION_ROOT = (CONTAINER, Path("entrypoints") / "venue_okx.py",
                    Path("entrypoints") / "venue_binance.py")


def _imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """Every module a file imports, by full name (`from ports import exchange` is
    ports.exchange), wherever the import stands (under TYPE_CHECKING too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def seed_surface_users(root: Path) -> list[str]:
    """Use-cases that import the whole seed surface instead of the roles they use."""
    return [f"{path.relative_to(root)}:{lineno} imports {SEED_SURFACE}: a use-case takes "
            "only the roles it uses" for path in sorted((root / "application").rglob("*.py"))
            for lineno, module in _imported_modules(path) if module == SEED_SURFACE]


def _wired_adapter_classes(root: Path) -> set[str]:
    """The adapter classes the composition root imports (what it wires)."""
    trees = [ast.parse((root / part).read_text(encoding="utf-8"))
             for part in COMPOSITION_ROOT if (root / part).exists()]
    names = {alias.asname or alias.name for tree in trees for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("adapters")
             for alias in node.names}
    return {n for n in names if n[:1].isupper()}


def adapter_builders(root: Path) -> list[str]:
    """Production code outside entrypoints/ that constructs a wired adapter."""
    wired = _wired_adapter_classes(root)
    found = []
    for layer in ("domain", "ports", "application", "adapters"):
        for path in sorted((root / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                # OkxRest(...) as imported, or reached through its module: okx.OkxRest(...)
                name = (node.func.id if isinstance(node.func, ast.Name) else
                        node.func.attr if isinstance(node.func, ast.Attribute) else "")
                if name in wired:
                    found.append(f"{path.relative_to(root)}:{node.lineno} builds "
                                 f"{name}: only entrypoints/ builds adapters")
    return found


def test_no_use_case_imports_the_full_seed_surface() -> None:
    assert seed_surface_users(ROOT) == []


def test_only_the_composition_root_builds_adapters() -> None:
    assert _wired_adapter_classes(ROOT) >= {"OkxRest", "OkxMarket", "OkxTrading",
                                            "BinanceRest", "BinanceMarket", "BinanceTrading",
                                            "BinanceAlgos", "BinanceStreams",
                                            "FileEvidenceSink", "JsonFileStateStore"}
    assert adapter_builders(ROOT) == []


def test_the_role_checks_catch_a_seed_surface_import_and_a_hidden_builder(
        tmp_path: Path) -> None:
    (tmp_path / "application").mkdir()
    (tmp_path / "application" / "bad.py").write_text(
        "from ports.exchange import ExchangeAdapter\n")
    (tmp_path / "entrypoints").mkdir()
    (tmp_path / CONTAINER).write_text("from adapters.okx import OkxMarket, OkxRest\n")
    (tmp_path / "adapters").mkdir()
    (tmp_path / "adapters" / "parts.py").write_text("def make(rest):\n"
                                                    "    return OkxMarket(rest)\n")
    assert seed_surface_users(tmp_path) == [
        "application/bad.py:1 imports ports.exchange: a use-case takes only the roles it uses"]
    assert adapter_builders(tmp_path) == [
        "adapters/parts.py:2 builds OkxMarket: only entrypoints/ builds adapters"]


def test_the_role_checks_see_through_module_imports_and_type_checking_blocks(
        tmp_path: Path) -> None:
    (tmp_path / "application").mkdir()
    (tmp_path / "application" / "hidden.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from ports import exchange\n")
    (tmp_path / "entrypoints").mkdir()
    (tmp_path / CONTAINER).write_text("from adapters.okx.rest import OkxRest\n")
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "ok.py").write_text("def rest_of(x):\n    return x.rest\n")
    (tmp_path / "application" / "parts.py").write_text(
        "from adapters.okx import rest\n"
        "def make(config):\n"
        "    return rest.OkxRest(config)\n")
    assert seed_surface_users(tmp_path) == [
        "application/hidden.py:3 imports ports.exchange: a use-case takes only the roles it "
        "uses"]
    assert adapter_builders(tmp_path) == [
        "application/parts.py:3 builds OkxRest: only entrypoints/ builds adapters"]
