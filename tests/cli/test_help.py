"""Help for the terminal: a one-sentence first line, paragraphs the terminal wraps, examples
that parse; --version; shell completion."""

import shlex
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
