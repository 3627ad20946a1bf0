"""How a command runs: settings → (embedded simulator) → container → one asyncio.run, with every
connection opened and closed in an AsyncExitStack. Errors go to the CLI's boundary
(entrypoints/boundary.py); one raised after a trade request left is reported as needing
attention, never as a plain failure."""

import asyncio
import secrets
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from entrypoints import startup_gc
from entrypoints.boundary import BadInput, CommandFailed, classify
from entrypoints.container import Application, build_container, container_config
from entrypoints.di import providers
from entrypoints.exit_codes import ExitCode
from entrypoints.replay_context import active_replay, replay_container
from entrypoints.run_manifest import StateEnding, manifest_for, start_git_revision
from entrypoints.run_scope import Terminated, current_scope
from entrypoints.sent_writes import CountingSink
from entrypoints.settings import SIM_VENUES, Settings, default_state_path
from entrypoints.validate import writable_dir
from ports.progress import Progress

if TYPE_CHECKING:
    from entrypoints.metrics import EngineMetrics
    from entrypoints.settings import Credentials

SIM_SEED = 7

T = TypeVar("T")


@contextmanager
def session(settings: Settings, *, run_prefix: str, labels: dict[str, Any] | None = None,
            progress: Progress | None = None,
            metrics: "EngineMetrics | None" = None) -> Iterator[Application]:
    """A container for one command; on venue sim an embedded simulator runs for its duration.
    With metrics, every evidence record, fsync and stop confirmation also updates them."""
    # the manifest's two git reads run while the container is built (and, on venue sim, while
    # the simulator starts) instead of being waited for when the manifest is written
    start_git_revision()
    writable_dir(settings.runs_dir, "runs_dir", create=True)
    with _container(settings, run_prefix, labels or {}) as container:
        if metrics is not None:
            sink_provider: Any = container.adapters.sink  # a Singleton: takes more kwargs
            sink_provider.add_kwargs(fsync=metrics.timed_fsync())
        sink = container.adapters.sink()
        config = container.config()
        opening = manifest_for(config)
        ending = StateEnding(config, opening)
        sink.begin_run(opening, closing=ending)  # before any exchange call
        counting: Any = CountingSink(sink)
        if metrics is not None:  # prometheus_client: loaded only by a command with metrics
            from entrypoints.metrics import MetricsSink

            counting = MetricsSink(counting, metrics, settings.venue)
        container.adapters.sink.override(providers.Object(counting))
        if progress is not None:
            container.use_cases.progress.override(providers.Object(progress))
        try:
            yield container
        finally:
            ending.capture()  # the store is closed; a scratch one is still there
            _release(counting)  # run() releases it too; this covers an early error


@contextmanager
def _container(settings: Settings, run_prefix: str,
               labels: dict[str, Any]) -> Iterator[Application]:
    replay = active_replay()
    if replay is not None:
        yield replay_container(replay, run_prefix, labels)
        return
    if settings.venue not in SIM_VENUES:
        yield build_container(container_config(settings, run_prefix=run_prefix, labels=labels))
        return
    from simulator.embedded import EmbeddedSimulator

    creds, face = _throwaway_keys(settings.exchange)
    sim = EmbeddedSimulator(seed=SIM_SEED, **face).start()
    try:
        with tempfile.TemporaryDirectory(prefix="prometheus-sim-state-") as scratch:
            if settings.state_path == default_state_path(settings.venue):
                # the embedded exchange lives for one command; so must the positions stored
                # for it
                settings = attrs.evolve(settings, state_path=Path(scratch) / "state.json")
            yield build_container(container_config(
                settings, run_prefix=run_prefix, labels={**labels, "venue": settings.venue},
                rest_url=sim.rest_url, ws_url=sim.ws_url, credentials=creds))
    finally:
        # the throwaway exchange's stop is prompt (simulator/server.py: no serve() loop, no
        # fixed waits: ~0.3 ms where serve() took 0.15-0.2 s), so the command stops it itself
        # and nothing of it runs when the interpreter exits (exiting with uvicorn's uvloop
        # thread alive crashed the process, SIGSEGV, in 2 of ~45 runs of `status`)
        sim.stop()


def _throwaway_keys(exchange: str) -> "tuple[Credentials, dict[str, Any]]":
    """Fresh keys for an embedded simulator (it accepts nothing else), and how to start it:
    the OKX face (demo) or the Binance face."""
    key, secret = secrets.token_hex(8), secrets.token_hex(16)
    if exchange == "binance":
        from adapters.binance.credentials import BinanceCredentials
        return BinanceCredentials(key, secret), {"api_key": key, "secret": secret,
                                                 "exchange": "binance"}
    from adapters.okx.credentials import OkxCredentials
    passphrase = secrets.token_hex(6)
    return OkxCredentials(key, secret, passphrase), {
        "api_key": key, "secret": secret, "passphrase": passphrase, "mode": "demo"}


def run(container: Application, body: Callable[[Application], Awaitable[T]], *,
        uses_store: bool = True) -> T:
    """asyncio.run once: open the exchange and evidence sink, load the store, run body."""
    scope = current_scope()

    async def main() -> T:
        async with AsyncExitStack() as stack:
            exchange = container.adapters.exchange()  # whatever the selected venue provides
            stack.push_async_callback(exchange.aclose)
            sink = container.adapters.sink()
            stack.callback(_release, sink)
            if scope is not None:
                scope.main_task = asyncio.current_task()  # SIGTERM cancels it
            if uses_store:
                store = _store(container)
                stack.callback(store.close)
            try:
                return await body(container)
            except Exception as exc:
                raise _after_trades(exc, getattr(sink, "trade_writes", 0)) from exc
    startup_gc.resume()  # start-up is over: the collector runs over what the command builds
    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if scope is not None and scope.terminated:
            raise Terminated() from None
        raise
    finally:
        if scope is not None:
            scope.main_task = None


def _release(sink: Any) -> None:
    """Close (and so package) the run, unless a CLI command_scope will, with the outcome."""
    scope = current_scope()
    if scope is not None:
        scope.adopt(sink)
    else:
        sink.close()


def _store(container: Application) -> Any:
    path = Path(container.config.state_path())
    if path.is_dir():
        raise BadInput(f"state file {path} is a directory, not a file")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise BadInput(f"state file {path} cannot be used: {parent} is a file, not a "
                           "directory")
    try:
        store = container.adapters.store()
        store.load()
    except OSError as exc:
        raise BadInput(f"state file {path} cannot be used: {exc.strerror or exc}") from None
    return store


def _after_trades(exc: Exception, trade_writes: int) -> Exception:
    """An error after an order or cancel left: what it changed is unknown, say so."""
    code, message = classify(exc)
    if trade_writes == 0 or code in (ExitCode.NEEDS_ATTENTION, ExitCode.INTERRUPTED):
        return exc
    return CommandFailed(ExitCode.NEEDS_ATTENTION, (
        f"{message}; this came after {trade_writes} trade request(s) had been sent, so a "
        "position or order may be left half done: check with `prometheus-exec status`"))
