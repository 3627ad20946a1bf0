"""The composition root and the CLI: the only layer that knows dependency_injector and typer."""
