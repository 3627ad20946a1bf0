"""Help pages in plain text, laid out by click's own formatter with two fixes.

typer draws help with rich (boxes, markdown): loading rich's markdown and table machinery
costs more start-up than the rest of `--help` (issue 14 P3, BENCHMARKS.md), so every typer
app here sets `rich_markup_mode=None` and typer falls back to click's layout. Two things in
that layout would read worse than rich's: click breaks lines after a hyphen (a user copying
`binance-` + `testnet` from two lines gets a wrong venue) and it cuts a command's summary in
the command list with "...". This module wraps at spaces only and shows whole summaries.
"""

import textwrap
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperCommand

# typer vendors click (or brings it): its formatter class is whatever its Context uses
_Formatter: Any = typer.Context.formatter_class
COL_MAX = 30
COL_SPACING = 2
EXAMPLE = "prometheus-exec "
_GLUE = "\u00a0"  # textwrap breaks at ASCII whitespace only


def wrap(text: str, width: int, indent: int = 0) -> str:
    """Paragraphs (split at blank lines) filled to `width`, each keeping its own leading
    indentation, words never split (an option, a venue or a path stays copyable). An example
    command that does not fit continues on the next line after a shell's backslash."""
    filled = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.splitlines()
        if not any(line.strip() for line in lines):
            continue
        own = len(lines[0]) - len(lines[0].lstrip())
        prefix = " " * (indent + own)
        words = " ".join(line.strip() for line in lines)
        width = max(width, len(prefix) + 20)
        if words.startswith(EXAMPLE):  # a command line stays one command when pasted
            filled.append(" \\\n".join(line.replace(_GLUE, " ") for line in textwrap.wrap(
                _glue_values(words), width - 2, initial_indent=prefix,
                subsequent_indent=prefix + "    ", break_on_hyphens=False,
                break_long_words=False)))
            continue
        filled.append(textwrap.fill(words, width, initial_indent=prefix,
                                    subsequent_indent=prefix, break_on_hyphens=False,
                                    break_long_words=False))
    return "\n\n".join(filled)


def _glue_values(command: str) -> str:
    """Each option joined to its value and a quoted value kept whole, so a line never ends
    between the two or inside quotes."""
    words: list[str] = []
    for word in command.split(" "):
        if words and words[-1].count("'") % 2 == 1:  # inside a quoted value
            words[-1] += _GLUE + word
        else:
            words.append(word)
    for i in range(len(words) - 1, 0, -1):
        if words[i - 1].startswith("-") and not words[i].startswith("-"):
            words[i - 1:i + 1] = [words[i - 1] + _GLUE + words[i]]
    return " ".join(words)


class Formatter(_Formatter):  # type: ignore[misc]
    """click's HelpFormatter with `wrap` in place of its hyphen-breaking wrapper."""

    def write_text(self, text: str) -> None:
        self.write(wrap(text, self.width, self.current_indent) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = COL_MAX,
                 col_spacing: int = COL_SPACING) -> None:
        rows = list(rows)
        first_col = min(max((len(term) for term, _ in rows), default=0), col_max) + col_spacing
        pad = " " * (self.current_indent + first_col)
        for term, definition in rows:
            self.write(" " * self.current_indent + term)
            if not definition:
                self.write("\n")
                continue
            if len(term) <= first_col - col_spacing:
                self.write(" " * (first_col - len(term)))
            else:  # a long option name: its text starts on the next line
                self.write("\n" + pad)
            lines = wrap(definition, max(self.width - first_col - 2, 10)).splitlines()
            self.write("\n".join([lines[0], *(pad + line if line else "" for line in lines[1:])])
                       + "\n")


class HelpContext(typer.Context):
    formatter_class = Formatter


class PlainCommand(TyperCommand):
    """A command whose help is drawn by `Formatter`."""

    context_class = HelpContext


def format_commands(group: Any, ctx: Any, formatter: Any) -> None:
    """The command list with each command's whole first sentence (click would cut it to the
    width with "...")."""
    rows = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            rows.append((name, command.get_short_help_str(limit=1_000)))
    if rows:
        with formatter.section("Commands"):
            formatter.write_dl(rows)
