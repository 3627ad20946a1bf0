"""Start-up cuts of issue 14 P3 that change no behaviour: typer's pydantic option checks built
only for a value that needs them (entrypoints/lazy_options.py), dependency_injector
imported without its pydantic / YAML support (entrypoints/di.py), websockets' client imported
by the first stream connection (adapters/common/ws_connect.py). A fresh interpreter shows
what `status` loads; the options still reach the command converted and checked as before."""

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
import typer.main
from typer.core import TyperCommand
from typer.testing import CliRunner

from entrypoints import lazy_options
from tests.cli.test_command_imports import run_in_fresh_interpreter

# what status never uses: typer's option checks and dependency_injector's optional support
# (pydantic, yaml), a stream's websockets client (no stream opens), statistics (the clock
# offset's median of a few ints)
HEAVY = ("pydantic", "pydantic_core", "pydantic_settings", "yaml", "websockets.asyncio",
         "statistics")


def loaded_heavy(result: dict[str, object]) -> set[str]:
    loaded: list[str] = result["loaded"]  # type: ignore[assignment]
    return {m for m in loaded for heavy in HEAVY if m == heavy or m.startswith(heavy + ".")}


@pytest.mark.parametrize("args", [["status", "--json"], ["--venue", "sim", "status"],
                                  ["status", "--venue", "sim-binance", "--json"]])
def test_status_loads_neither_pydantic_nor_yaml(tmp_path: Path, args: list[str]) -> None:
    result = run_in_fresh_interpreter(args, tmp_path)
    assert result["code"] == 0, result["out"]
    assert "dependency_injector.providers" in result["loaded"]  # type: ignore[operator]
    assert not loaded_heavy(result), sorted(loaded_heavy(result))


@pytest.mark.parametrize(("venue", "face", "other_face"), [
    ("sim", "simulator.wire.app", "simulator.binance.app"),
    ("sim-binance", "simulator.binance.app", "simulator.wire.app")])
def test_the_embedded_simulator_imports_only_the_face_it_serves(
        tmp_path: Path, venue: str, face: str, other_face: str) -> None:
    result = run_in_fresh_interpreter(["--venue", venue, "status"], tmp_path)
    assert result["code"] == 0, result["out"]
    loaded: list[str] = result["loaded"]  # type: ignore[assignment]
    assert face in loaded and other_face not in loaded


def test_an_option_that_needs_typers_check_still_gets_it(tmp_path: Path) -> None:
    result = run_in_fresh_interpreter(["status", "--log-level", "loud"], tmp_path)
    assert result["code"] == 2  # typer's own refusal of a value outside the choices
    assert "pydantic" in result["loaded"]  # type: ignore[operator]


DI_THEN_THE_OPTIONAL = (
    "import json, sys\n"
    "import entrypoints.di\n"
    "before = sorted(m for m in ('pydantic', 'yaml', 'starlette') if m in sys.modules)\n"
    "import pydantic, yaml, starlette.requests\n"
    "print(json.dumps({'before': before, 'finders': [type(f).__name__ for f in sys.meta_path],"
    " 'yaml': yaml.safe_load('a: 1'), 'pydantic': pydantic.TypeAdapter(int).validate_python('7'),"
    " 'has': entrypoints.di.providers.Configuration is not None}))")


def test_di_leaves_pydantic_yaml_and_starlette_importable_afterwards() -> None:
    ran = subprocess.run([sys.executable, "-c", DI_THEN_THE_OPTIONAL], capture_output=True,
                         text=True, check=True)
    seen = json.loads(ran.stdout)
    assert seen["before"] == []
    assert "_NotInstalled" not in seen["finders"]
    assert seen["yaml"] == {"a": 1} and seen["pydantic"] == 7 and seen["has"]


# --- the lazy coercion against typer's own, on a small app -------------------------------

class LazyCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return lazy_options.installed(super().get_params(ctx))


def tiny_app(seen: dict[str, Any], cls: type[TyperCommand] = TyperCommand) -> typer.Typer:
    app = typer.Typer()

    @app.command(cls=cls)
    def show(name: str | None = None, path: Path | None = None,
             count: Annotated[int | None, typer.Option(min=1)] = None,
             tags: list[str] | None = None) -> None:
        seen.update(name=name, path=path, count=count, tags=tags)

    @app.command()
    def other() -> None:  # two commands: `show` is named on the command line
        pass

    return app


@pytest.mark.parametrize("args", [[], ["--name", "a b"], ["--path", "x/y", "--count", "3"],
                                  ["--tags", "p", "--tags", "q", "--name", "n"],
                                  ["--count", "0"], ["--count", "many"]])
def test_the_lazy_coercion_gives_what_typers_gives(args: list[str]) -> None:
    runner = CliRunner()
    typer_seen: dict[str, Any] = {}
    lazy_seen: dict[str, Any] = {}
    plain = runner.invoke(tiny_app(typer_seen), ["show", *args])
    lazy = runner.invoke(tiny_app(lazy_seen, LazyCommand), ["show", *args])
    assert (lazy.exit_code, lazy.output, lazy_seen) == (plain.exit_code, plain.output, typer_seen)


def test_an_option_left_out_or_given_as_text_builds_no_check() -> None:
    group: Any = typer.main.get_command(tiny_app({}))
    command = group.commands["show"]
    params = {p.name: p for p in lazy_options.installed(command.params)}
    ctx = command.make_context("show", [])
    name, tags, count = params["name"], params["tags"], params["count"]
    assert name.process_value(ctx, None) is None and tags.process_value(ctx, None) == ()
    assert name.process_value(ctx, "text") == "text"
    assert name._runtime_param.built is None and tags._runtime_param.built is None
    assert count.process_value(ctx, "4") == 4  # a value to convert: typer's own check
    assert count._runtime_param.built is not None


def test_the_engine_takes_dependency_injector_only_from_entrypoints_di() -> None:
    root = Path(__file__).resolve().parents[2]
    direct = []
    for path in sorted((root / "entrypoints").rglob("*.py")):
        if path.name == "di.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name.split(".")[0] == "dependency_injector" for name in names):
                direct.append(f"{path.relative_to(root)}:{node.lineno}")
    assert direct == [], "import it from entrypoints.di (pydantic and yaml stay out): " + \
        ", ".join(direct)
