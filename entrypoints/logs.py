"""The CLI's logging set-up. The library only logs (logging.getLogger(__name__) in each module,
no handlers); the process that runs it decides where lines go. Here: stderr, human-readable or
one JSON object a line, always passed through the evidence redactor first.

Fields a module passes with `extra=` (client ids, endpoints, delays) become keys of the JSON line
and `key=value` pairs at the end of a human line.
"""

import json
import logging
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from adapters.evidence.redact import MIN_SECRET_LEN, Redactor

LEVELS = ("debug", "info", "warning", "error")
# third-party loggers that would repeat every request at info; they speak from warning on
NOISY = ("httpx", "httpcore", "websockets", "uvicorn", "uvicorn.access", "uvicorn.error")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class _Secrets:
    """The literal secrets to scrub from every line: the loaded credentials, added once known."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.redactor = Redactor()

    def add(self, values: Iterable[str]) -> None:
        fresh = {v for v in values if v and len(v) >= MIN_SECRET_LEN} - self.values
        if fresh:
            self.values |= fresh
            self.redactor = Redactor(self.values)


SECRETS = _Secrets()


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """What the module passed with extra=, cleaned like evidence (credential-named keys are
    replaced whatever their value)."""
    extra = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
    cleaned: dict[str, Any] = SECRETS.redactor.clean(extra)
    return cleaned


class HumanFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)sZ %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = " ".join(f"{k}={v}" for k, v in sorted(fields_of(record).items()))
        return SECRETS.redactor.scrub(f"{line} {pairs}" if pairs else line)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
                               + f".{int(record.msecs):03d}Z",
                               "level": record.levelname.lower(), "logger": record.name,
                               "message": record.getMessage(), **fields_of(record)}
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        doc = SECRETS.redactor.clean(doc)
        return SECRETS.redactor.scrub(json.dumps(doc, ensure_ascii=False, sort_keys=True))


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler configure() puts on the root logger (a later call replaces it)."""


class _StderrHandler(_CliHandler):
    """Writes to whatever sys.stderr is when a line is logged (a test runner swaps it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure(level: str = "warning", as_json: bool = False,
              stream: TextIO | None = None) -> logging.Handler:
    """One stderr handler on the root logger (replacing one an earlier call installed)."""
    if level not in LEVELS:
        raise ValueError(f"--log-level must be one of {', '.join(LEVELS)}, got {level!r}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _CliHandler)]:
        root.removeHandler(old)
    handler = _StderrHandler() if stream is None else _CliHandler(stream)
    formatter = JsonFormatter() if as_json else HumanFormatter()
    formatter.converter = time.gmtime  # stamps in UTC, like evidence
    handler.setFormatter(formatter)
    root.addHandler(handler)
    numeric = logging.getLevelNamesMapping()[level.upper()]
    handler.setLevel(numeric)  # records a metrics bridge asks for below that level stop here
    root.setLevel(numeric)
    for name in NOISY:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    return handler
