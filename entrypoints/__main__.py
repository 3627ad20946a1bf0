"""`python -m entrypoints` runs the CLI (the console script is `prometheus-exec`)."""

from entrypoints.cli import main

main()
