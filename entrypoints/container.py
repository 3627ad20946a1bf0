"""The composition root: three containers (Core, Adapters, UseCases) wired from Settings.

Providers build plain objects synchronously; connections are opened and closed by the CLI's
lifecycle (entrypoints/lifecycle.py) inside its single asyncio.run.

A command loads only what it runs (issue 14 P3): the selected venue's adapters come from
entrypoints/venue_okx.py or venue_binance.py (imported by build_container for that venue), and
each use-case's module is imported when its provider is first called (`_lazy`).
"""

import importlib
import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from adapters.clock import SystemClock
from adapters.evidence import FileEvidenceSink, new_run_dir
from adapters.evidence.redact import MIN_SECRET_LEN
from adapters.state import JsonFileStateStore
from domain.params import Params
from entrypoints.di import containers, providers
from entrypoints.settings import Settings, SettingsError
from ports.clock import Clock
from ports.evidence import EvidenceSink
from ports.exchange import ExchangeAdapter
from ports.progress import Progress, Silent
from ports.state import StateStore

if TYPE_CHECKING:  # re-exported lazily (__getattr__ below) for callers that import them here
    from entrypoints.settings import Credentials
    from entrypoints.venue_binance import BinanceVenue, binance_venue
    from entrypoints.venue_okx import OkxVenue, okx_venue

__all__ = ["Adapters", "Application", "BinanceVenue", "Core", "OkxVenue", "UseCases",
           "binance_venue", "build_container", "container_config", "okx_venue"]


class Core(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    clock = providers.Singleton(SystemClock)


def jitter_source() -> Callable[[], float]:
    """Random numbers for retry and reconnect jitter (tests put a seeded one here)."""
    return random.Random().random


class Adapters(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    clock = providers.Dependency(instance_of=Clock)  # type: ignore[type-abstract]

    run_dir = providers.Singleton(new_run_dir, base=config.run.base, clock=clock,
                                  prefix=config.run.prefix)
    sink = providers.Singleton(FileEvidenceSink, run_dir, clock=clock, labels=config.run.labels,
                               secrets=config.secrets)
    store = providers.Singleton(JsonFileStateStore, config.state_path, clock=clock)
    # the selected venue's ExchangeAdapter: entrypoints/venue_okx.py and venue_binance.py each
    # subclass Adapters with their venue container and set it
    exchange: providers.Provider[ExchangeAdapter] = providers.Dependency(
        instance_of=ExchangeAdapter)


def _lazy(target: str) -> Callable[..., Any]:
    """A factory for `module:Name` that imports the module on its first call, so a command's
    start imports only the use-cases it builds."""
    module, _, name = target.partition(":")

    def build(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    build.__qualname__ = build.__name__ = name
    return build


class UseCases(containers.DeclarativeContainer):
    exchange = providers.Dependency(instance_of=ExchangeAdapter)
    sink = providers.Dependency(instance_of=EvidenceSink)  # type: ignore[type-abstract]
    store = providers.Dependency(instance_of=StateStore)  # type: ignore[type-abstract]
    clock = providers.Dependency(instance_of=Clock)  # type: ignore[type-abstract]
    params = providers.Dependency(instance_of=Params)
    progress = providers.Dependency(instance_of=Progress, default=Silent())  # type: ignore[type-abstract]

    # the selected venue's roles: each use-case gets only the ones it uses
    market = exchange.provided.market
    account = exchange.provided.account
    orders = exchange.provided.orders
    algos = exchange.provided.algos
    streams = exchange.provided.streams

    timings = providers.Singleton(_lazy("application.order_path:Timings"))
    # reads that lost a race to a push, shared by both paths; OpenPosition settles them
    lingering = providers.Singleton(_lazy("application.push_race:Lingering"))
    order_path = providers.Factory(_lazy("application.order_path:OrderPath"), orders, market,
                                   clock, timings, streams, lingering)
    # per-symbol open-order reads of concurrent symbols shared as account-wide reads (P4):
    # one wrapper per container, so every use-case of a session shares its rounds
    # (account-wide reads rationed on the clock: 6 at once, then one per 150 ms)
    shared_algos = providers.Singleton(_lazy("application.shared_reads:shared_algos"), algos,
                                       clock)
    shared_orders = providers.Singleton(_lazy("application.shared_reads:shared_orders"), orders,
                                        clock)
    stop_path = providers.Factory(_lazy("application.order_path:StopPath"), shared_algos,
                                  streams, clock, lingering)
    venue = providers.Factory(_lazy("application.performer_context:Venue"), market, account, orders,
                              algos, order_path, stop_path)
    driver = providers.Factory(_lazy("application.driver:PositionDriver"), venue, store, clock,
                               params, progress)

    engine = providers.Factory(_lazy("application.engine:ExecutionEngine"), market, account,
                               orders, order_path, sink)
    probe = providers.Factory(_lazy("application.probe:ProbeExecution"), engine, market,
                              account, order_path, sink, progress)
    selfcheck = providers.Factory(_lazy("application.selfcheck:SelfCheck"), market, account,
                                  algos, streams, stop_path, sink, clock, params, store)
    open_position = providers.Factory(_lazy("application.open_position:OpenPosition"), market,
                                      account, orders, order_path, driver, store, clock, params,
                                      progress)
    manage_position = providers.Factory(_lazy("application.manage_position:ManagePosition"),
                                        market, account, orders, algos, driver, store)
    regime_shift = providers.Factory(_lazy("application.manage_position:OnRegimeShift"), market,
                                     account, driver, store, clock, params)
    recover = providers.Factory(_lazy("application.recover_protection:RecoverProtection"),
                                market, account, shared_orders, shared_algos, driver, store,
                                clock, params, progress)
    close_position = providers.Factory(_lazy("application.close_position:ClosePosition"),
                                       market, account, order_path, driver, store)
    status = providers.Factory(_lazy("application.status:Status"), account, algos, store, clock)
    shock_watch = providers.Factory(_lazy("application.shock_watch:ShockWatch"), market,
                                    regime_shift, store, clock, params)
    watch = providers.Factory(_lazy("application.watch:ProtectionWatch"), streams, recover,
                              manage_position, store, clock, orders, shock_watch, progress)
    # halt takes its store per call: it must work when the store cannot be read
    halt = providers.Factory(_lazy("application.halt:Halt"), market, account, orders, algos,
                             order_path, sink, clock, params)
    resume = providers.Factory(_lazy("application.halt:Resume"), store, clock, sink)


class Application(containers.DeclarativeContainer):
    """Venue-neutral: its `exchange` is a Dependency. build_container builds the subclass of
    the selected venue (venue_application), whose Adapters provide it."""

    config = providers.Configuration(strict=True)
    core = providers.Container(Core, config=config)
    adapters = providers.Container(Adapters, config=config, clock=core.clock)
    use_cases = providers.Container(UseCases, exchange=adapters.exchange, sink=adapters.sink,
                                    store=adapters.store, clock=core.clock, params=config.params)


def venue_application(venue_adapters: type[Adapters]) -> type[Application]:
    """The Application whose adapters are one venue's (an Adapters subclass that provides
    `exchange`)."""

    class VenueApplication(Application):
        adapters = providers.Container(venue_adapters, config=Application.config,
                                       clock=Application.core.clock)
        use_cases = providers.Container(UseCases, exchange=adapters.exchange,
                                        sink=adapters.sink, store=adapters.store,
                                        clock=Application.core.clock,
                                        params=Application.config.params)

    VenueApplication.__name__ = VenueApplication.__qualname__ = (
        venue_adapters.__name__.removesuffix("Adapters") + "Application")
    return VenueApplication


OKX_HOST_SUFFIX = "okx.com"
BINANCE_HOST_SUFFIX = "binance.com"


def container_config(settings: Settings, *, run_prefix: str, labels: dict[str, Any],
                     rest_url: str | None = None, ws_url: str | None = None,
                     credentials: "Credentials | None" = None) -> dict[str, Any]:
    """The container's configuration. rest_url, ws_url and credentials override the settings
    (the embedded simulator passes its own)."""
    creds = credentials or settings.credentials
    if creds is None:
        raise SettingsError(f"venue {settings.venue} has no credentials")
    config = {
        "venue": settings.venue,
        "symbols": settings.symbols,
        "state_path": settings.state_path,
        "params": settings.params,
        "credentials": creds,
        # scrubbed by value everywhere as a last guard; a value too short to scrub safely is
        # still redacted by name (OK-ACCESS-* and X-MBX-APIKEY headers, WS login fields)
        "secrets": [v for v in creds.values() if len(v) >= MIN_SECRET_LEN],
        "run": {"base": Path(settings.runs_dir), "prefix": run_prefix, "labels": labels},
    }
    rest, ws = rest_url or settings.rest_url, ws_url or settings.ws_url
    if settings.exchange == "binance":
        return config | {"binance": _binance_section(settings, rest, ws)}
    rest = rest or "https://www.okx.com"
    if settings.venue == "okx-live":
        _refuse_foreign(settings.venue, OKX_HOST_SUFFIX, rest, ws)
    return config | {
        "okx": {"rest_url": rest, "ws_url": ws, "demo": settings.demo,
                "td_mode": settings.td_mode, "write_deadline_ms": settings.write_deadline_ms,
                "ws_orders": settings.ws_orders, "http_stack": _stack(settings)}}


def _binance_section(settings: Settings, rest: str | None, ws: str | None) -> dict[str, Any]:
    from adapters.binance.config import (
        LIVE_REST_URL,
        LIVE_WS_URL,
        TESTNET_REST_URL,
        TESTNET_WS_URL,
    )

    live = settings.venue == "binance-live"
    rest = rest or (LIVE_REST_URL if live else TESTNET_REST_URL)
    ws = ws or (LIVE_WS_URL if live else TESTNET_WS_URL)
    if live:
        _refuse_foreign(settings.venue, BINANCE_HOST_SUFFIX, rest, ws)
    section = settings.binance
    return {"rest_url": rest, "ws_url": ws, "margin_asset": section.margin_asset,
            "recv_window_ms": section.recv_window_ms,
            "stop_close_position": section.stop_close_position,
            "http_stack": _stack(settings)}


def _stack(settings: Settings) -> str:
    """The REST transport: as set, or on "auto" aiohttp (the faster per call, BENCHMARKS.md);
    the read-only commands choose httpx before they get here (entrypoints/commands.py)."""
    return "aiohttp" if settings.http_stack == "auto" else settings.http_stack


def _refuse_foreign(venue: str, suffix: str, rest_url: str, ws_url: str | None) -> None:
    """Live keys and real money never go to a simulator, a recording or a plain-text host."""
    for url in filter(None, (rest_url, ws_url)):
        parsed = urlparse(url)
        host = parsed.hostname or ""
        if parsed.scheme not in ("https", "wss") or not (
                host == suffix or host.endswith("." + suffix)):
            raise SettingsError(f"{venue} refuses {url}: live trading goes only to the "
                                f"exchange's own TLS hosts (*.{suffix})")


def build_container(config: dict[str, Any]) -> Application:
    """The Application of the venue config selects, with only that venue's adapters imported:
    venue sim and okx-* (and a replay of an OKX recording) speak OKX, sim-binance and binance-*
    Binance."""
    venue = config["venue"]
    exchange = config["replay"]["exchange"] if venue == "replay" else (
        "binance" if "binance" in venue else "okx")
    if exchange == "binance":
        from entrypoints.venue_binance import BinanceApplication as app
    else:
        from entrypoints.venue_okx import OkxApplication as app
    container = app()
    container.config.from_dict(config)
    container.check_dependencies()
    return container


def __getattr__(name: str) -> Any:
    """The venue containers, for callers that import them from here (tests, benchmarks,
    embedders): each imports its venue's adapters only when asked for."""
    if name in ("OkxVenue", "okx_venue"):
        return getattr(importlib.import_module("entrypoints.venue_okx"), name)
    if name in ("BinanceVenue", "binance_venue"):
        return getattr(importlib.import_module("entrypoints.venue_binance"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
