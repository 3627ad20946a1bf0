"""Help for the terminal: a one-sentence first line, paragraphs the terminal wraps, examples
that parse; --version; shell completion."""

import functools
import os
import shlex
import subprocess
import sys
from importlib.metadata import version
from typing import Any

import click
import pytest
from typer.main import get_command

from entrypoints.cli import app
from tests.cli.conftest import run_cli

ROOT = get_command(app)


def _commands(group: Any = ROOT, path: str = "prometheus-exec") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [(path, group)]
    for name, command in getattr(group, "commands", {}).items():
        found += _commands(command, f"{path} {name}")
    return found


COMMANDS = [(path, c) for path, c in _commands() if path != "prometheus-exec sim"]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_help_reads_well_in_a_terminal(path: str, command: Any) -> None:
    summary, *rest = command.help.split("\n\n")
    # the command list shows the first paragraph: one sentence, no line breaks
    assert "\n" not in summary and summary.endswith(".") and summary[0].isupper(), summary
    assert summary.count(". ") == 0, f"{path}: the first line holds more than one sentence"
    for paragraph in rest:
        assert "\n" not in paragraph, f"{path}: a hard line break inside a paragraph"
    for param in command.params:
        text = getattr(param, "help", None) or ""
        assert "\n" not in text and (not text or text[0].isupper()), (path, param.name, text)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_shows_examples_that_parse(path: str, command: Any) -> None:
    assert command.epilog and command.epilog.startswith("Examples:"), path
    examples = [line.strip() for line in command.epilog.split("\n\n")[1:]]
    assert examples
    for example in examples:
        words = shlex.split(example)
        assert words[0] == "prometheus-exec"
        if "--help" in words:
            continue
        # the parser accepts the example as written (options, choices, required ones)
        target = ROOT
        args = words[1:]
        while args and isinstance(target, click.Group) and args[0] in target.commands:
            target = target.commands[args.pop(0)]
        with target.make_context(target.name, args) as ctx:
            assert ctx.params is not None


def test_version_is_an_option_and_a_command() -> None:
    expected = f"prometheus-exec {version('prometheus-exec')}"
    assert run_cli(["--version"], {}).stdout.strip() == expected
    assert run_cli(["version"], {}).stdout.strip() == expected


def test_shell_completion_is_available() -> None:
    shown = run_cli(["--show-completion", "bash"], {"SHELL": "/bin/bash"})
    assert shown.code == 0 and "_PROMETHEUS_EXEC_COMPLETE" in shown.stdout
    # what the shell asks for while the user types `prometheus-exec st<TAB>`
    completed = run_cli([], {"_PROMETHEUS_EXEC_COMPLETE": "complete_bash",
                             "COMP_WORDS": "prometheus-exec st", "COMP_CWORD": "1"})
    assert completed.stdout.split() == ["status"]


def test_no_command_shows_the_help_and_exits_2() -> None:
    for args in ([], ["sim"]):
        ran = run_cli(args, {})
        assert ran.code == 2 and ran.stderr == ""
        assert "Usage: prometheus-exec" in ran.stdout and "Commands" in ran.stdout


@functools.cache
def _page(path: str, columns: str) -> str:
    """The help page a terminal of that width shows (a real process: the in-process runner
    forces 80 columns)."""
    ran = subprocess.run([sys.executable, "-m", "entrypoints", *path.split()[1:], "--help"],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "COLUMNS": columns})
    return ran.stdout


def _unwrapped(page: str) -> str:
    """The help page's text with its line breaks undone (words joined by single spaces)."""
    return " ".join(page.replace(" \\\n", " ").split())


@pytest.mark.parametrize("columns", ["60", "200"])
@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_help_wraps_at_spaces_only_and_shows_whole_texts(path: str, command: Any,
                                                         columns: str) -> None:
    text = _unwrapped(_page(path, columns))
    # every paragraph, option help and subcommand summary is there word for word: nothing cut
    # with "...", no word split after a hyphen (binance- / testnet)
    for paragraph in command.help.split("\n\n"):
        assert " ".join(paragraph.split()) in text, (path, paragraph)
    for param in command.params:
        if getattr(param, "help", None):
            assert " ".join(param.help.split()) in text, (path, param.name)
    for name, sub in getattr(command, "commands", {}).items():
        assert f"{name} {sub.help.split(chr(10) * 2)[0]}" in text, (path, name)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_examples_in_the_help_paste_as_the_same_command(path: str, command: Any) -> None:
    page = _page(path, "60")
    shown = page[page.index("Examples:"):].replace(" \\\n", " ").split("\n\n")[1:]
    written = command.epilog.split("\n\n")[1:]
    assert [shlex.split(s) for s in shown] == [shlex.split(w) for w in written]
    for line in page.splitlines():
        assert len(line) <= 58 or " " not in line.strip(), line  # click keeps a 2-column margin
