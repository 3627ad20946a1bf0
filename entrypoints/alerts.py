"""Alerts: a command whose result needs attention (exit 3) is also POSTed as JSON to the
operator's webhook (`alert_webhook_url` in settings), so someone hears about it without
reading logs.

It is sent once the command's own work is over (its stops placed or its flatten done, its
evidence packaged, its result printed), so it never delays protection. Delivery is retried on
a connection failure, a timeout, 429 or 5xx with doubling waits, and gives up after
`attempts`; it never raises: a lost alert is logged as an error, and the exit code still says 3.
"""

import logging
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from entrypoints import logs
from entrypoints.absent import absent

# the first import of httpx in a command (Shared.settings imports this module before any
# adapter): without httpx's own command-line client, which imports click, rich and pygments
# (~25 ms of start-up, issue 14 P3) and is never used here
with absent(("httpx._main",)):
    import httpx

log = logging.getLogger(__name__)

ATTEMPTS = 4
FIRST_WAIT_S = 0.5
TIMEOUT_S = 3.0


@attrs.frozen
class Delivery:
    delivered: bool
    attempts: int
    last_problem: str


@attrs.define
class _Target:
    """The webhook of the settings the command loaded (None: alerts are off)."""

    url: str | None = None
    venue: str | None = None


TARGET = _Target()


def payload(command: str, venue: str | None, summary: str,
            detail: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body: what needs attention, where, and the command's full result (or its
    error)."""
    body = {"source": "prometheus-exec", "host": socket.gethostname(), "command": command,
            "venue": venue, "exit": "NEEDS_ATTENTION", "exit_code": 3, "summary": summary,
            "sent_ms": int(time.time() * 1000), "detail": dict(detail)}
    cleaned: dict[str, Any] = logs.SECRETS.redactor.clean(body)
    return cleaned


def send(url: str, body: Mapping[str, Any], *, attempts: int = ATTEMPTS,
         first_wait_s: float = FIRST_WAIT_S, timeout_s: float = TIMEOUT_S,
         sleep: Callable[[float], None] = time.sleep,
         transport: httpx.BaseTransport | None = None) -> Delivery:
    """POST body as JSON until a 2xx answer or attempts run out."""
    problem = ""
    with httpx.Client(timeout=timeout_s, trust_env=False, transport=transport) as client:
        for attempt in range(1, attempts + 1):
            try:
                answer = client.post(url, json=body)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if answer.is_success:
                    log.info("alert delivered", extra={"attempt": attempt,
                                                       "http_status": answer.status_code})
                    return Delivery(True, attempt, "")
                problem = f"HTTP {answer.status_code}"
                if answer.status_code != 429 and answer.status_code < 500:
                    break  # the receiver refuses this body: sending it again changes nothing
            if attempt < attempts:
                wait = first_wait_s * 2 ** (attempt - 1)
                log.info("alert not delivered: trying again", extra={
                    "attempt": attempt, "problem": problem, "delay_s": wait})
                sleep(wait)
    log.error("alert NOT delivered", extra={"attempts": attempt, "problem": problem})
    return Delivery(False, attempt, problem)


def notify(command: str, summary: str, detail: Mapping[str, Any]) -> Delivery | None:
    """Send the alert if the command's settings name a webhook; None when alerts are off."""
    if TARGET.url is None:
        return None
    return send(TARGET.url, payload(command, TARGET.venue, summary, detail))


def reset() -> None:
    """A new command: no webhook until its settings are loaded."""
    TARGET.url = TARGET.venue = None
