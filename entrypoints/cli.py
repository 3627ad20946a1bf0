"""The `prometheus-exec` command: a thin typer shell over the container and the use-cases."""

import typer

app = typer.Typer(
    name="prometheus-exec",
    help="Execution engine for OKX perpetual swaps.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def root() -> None:
    """Execution engine for OKX perpetual swaps: evidence-first, algo-protected, idempotent."""


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("prometheus-exec"))


def main() -> None:
    app()
