# Two commands for a newcomer: `make run` and `make test`. Everything else is set-up they trigger.
# Any Python >= 3.11 works; `make test PYTHON=/path/to/python3.13` picks another one (run
# `make clean` first if .venv was built with a different Python).
PYTHON ?= python3
MIN_PYTHON := 3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUNTIME := $(VENV)/.runtime-stamp
STAMP_DEV     := $(VENV)/.dev-stamp
# The suite mostly waits on loopback exchanges, so it runs on one worker per core
# (pytest-xdist); `make test WORKERS=0` runs it in one process.
WORKERS ?= auto
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint typecheck ci bench lock clean

run: $(STAMP_RUNTIME)
	$(BIN)/prometheus-exec probe

test: $(STAMP_DEV)
	$(BIN)/python -m pytest -n $(WORKERS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

ci: test lint typecheck

bench: $(STAMP_DEV)
	$(BIN)/python -m bench

# The venv is rebuilt whenever a lock or pyproject.toml is newer than its stamp.
$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: '$(PYTHON)' was not found;" \
		"this project needs Python >= $(MIN_PYTHON). Install one, or name it:" \
		"make test PYTHON=/path/to/python3.12" >&2; exit 1; }
	@$(PYTHON) .ci/check_python.py $(MIN_PYTHON)
	$(PYTHON) -m venv $(VENV)

$(STAMP_RUNTIME): requirements.lock pyproject.toml | $(VENV)/bin/python
	$(PIP) install -r requirements.lock
	$(PIP) install --no-build-isolation --no-deps -e .
	touch $@

$(STAMP_DEV): $(STAMP_RUNTIME) requirements-dev.lock
	$(PIP) install -r requirements.lock -r requirements-dev.lock
	touch $@

# Regenerate the locks (needs pip-tools in the venv). Only name==version lines are kept: no
# index addresses, no paths of this machine.
lock:
	$(PIP) install pip-tools
	$(BIN)/pip-compile --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
		--no-annotate --no-header --allow-unsafe --strip-extras -q -o requirements.lock requirements.in
	$(BIN)/pip-compile --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
		--no-annotate --no-header --allow-unsafe --strip-extras -q -o requirements-dev.lock requirements-dev.in
	sed -i -e '/^#/d' -e '/^$$/d' requirements.lock requirements-dev.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
