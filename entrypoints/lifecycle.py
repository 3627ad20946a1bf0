"""How a command runs: settings → (embedded simulator) → container → one asyncio.run, with every
connection opened and closed in an AsyncExitStack; errors mapped to the documented exit codes."""

import asyncio
import secrets
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import attrs
from dependency_injector import providers

from adapters.okx import OkxCredentials
from adapters.state import StateStoreInsecure
from domain.errors import DomainError
from entrypoints.container import Application, build_container, container_config
from entrypoints.run_scope import Terminated, current_scope, interrupted
from entrypoints.settings import Settings, SettingsError, default_state_path
from ports.errors import ExchangeError
from ports.progress import Progress
from ports.state import StateStoreError, StateStoreLocked

DONE, EXCHANGE_FAILED, BAD_INPUT, NEEDS_ATTENTION = 0, 1, 2, 3
SIM_SEED = 7

T = TypeVar("T")


class CommandFailed(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@contextmanager
def session(settings: Settings, *, run_prefix: str, labels: dict[str, Any] | None = None,
            progress: Progress | None = None) -> Iterator[Application]:
    """A container for one command; on venue sim an embedded simulator runs for its duration."""
    with _container(settings, run_prefix, labels or {}) as container:
        if progress is not None:
            container.use_cases.progress.override(providers.Object(progress))
        yield container


@contextmanager
def _container(settings: Settings, run_prefix: str,
               labels: dict[str, Any]) -> Iterator[Application]:
    if settings.venue != "sim":
        yield build_container(container_config(settings, run_prefix=run_prefix, labels=labels))
        return
    from simulator.embedded import EmbeddedSimulator

    creds = OkxCredentials(secrets.token_hex(8), secrets.token_hex(16), secrets.token_hex(6))
    key, secret, passphrase = creds.values()
    with EmbeddedSimulator(api_key=key, secret=secret, passphrase=passphrase, mode="demo",
                           seed=SIM_SEED) as sim, \
            tempfile.TemporaryDirectory(prefix="prometheus-sim-state-") as scratch:
        if settings.state_path == default_state_path("sim"):
            # the embedded exchange lives for one command; so must the positions stored for it
            settings = attrs.evolve(settings, state_path=Path(scratch) / "state.json")
        yield build_container(container_config(
            settings, run_prefix=run_prefix, labels={**labels, "venue": "sim"},
            rest_url=sim.rest_url, ws_url=sim.ws_url, credentials=creds))


def run(container: Application, body: Callable[[Application], Awaitable[T]], *,
        uses_store: bool = True) -> T:
    """asyncio.run once: open the exchange and evidence sink, load the store, run body. Under
    a CLI command_scope the sink stays open for the scope to finish with the outcome; without
    one it is closed (and so packaged) here."""
    scope = current_scope()

    async def main() -> T:
        async with AsyncExitStack() as stack:
            exchange = container.adapters.okx()
            stack.push_async_callback(exchange.aclose)
            sink = container.adapters.sink()
            if scope is not None:
                scope.adopt(sink)
                scope.main_task = asyncio.current_task()
            else:
                stack.callback(sink.close)
            if uses_store:
                store = container.adapters.store()
                store.load()
                stack.callback(store.close)
            return await body(container)
    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if scope is not None and scope.terminated:
            raise Terminated() from None
        raise
    finally:
        if scope is not None:
            scope.main_task = None


def exit_code_for(exc: BaseException) -> tuple[int, str]:
    """The exit code and message for an error that ended a command."""
    if isinstance(exc, KeyboardInterrupt):
        return interrupted(exc)
    if isinstance(exc, CommandFailed):
        return exc.code, str(exc)
    if isinstance(exc, SettingsError | DomainError | ValueError):
        return BAD_INPUT, f"bad input: {exc}"
    if isinstance(exc, StateStoreLocked | StateStoreInsecure):
        return BAD_INPUT, f"state store: {exc}"
    if isinstance(exc, StateStoreError):
        return NEEDS_ATTENTION, f"state store: {exc}"
    if isinstance(exc, ExchangeError):
        return EXCHANGE_FAILED, f"exchange: {exc}"
    raise exc
