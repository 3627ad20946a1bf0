"""Run by the Makefile before it builds .venv: is this Python new enough? Say what it found.

Written to run on old Pythons too (no f-strings), so the message reaches the user."""
import sys

need = tuple(int(part) for part in sys.argv[1].split("."))
found = ".".join(str(part) for part in sys.version_info[:3])
if tuple(sys.version_info[:len(need)]) < need:
    sys.stderr.write(
        "make: {} is Python {}; this project needs Python >= {}.\n"
        "      Install one, or name it: make test PYTHON=/path/to/python3.12\n".format(
            sys.executable, found, sys.argv[1]))
    sys.exit(1)
sys.stderr.write("make: creating the virtualenv with Python {} ({})\n".format(
    found, sys.executable))
