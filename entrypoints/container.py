"""The composition root: three containers (Core, Adapters, UseCases) wired from Settings.

Providers build plain objects synchronously; connections are opened and closed by the CLI's
lifecycle (entrypoints/lifecycle.py) inside its single asyncio.run.
"""

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from dependency_injector import containers, providers

from adapters.binance import (
    BinanceAccount,
    BinanceAlgos,
    BinanceConfig,
    BinanceCredentials,
    BinanceMarket,
    BinanceRest,
    BinanceStreams,
    BinanceTrading,
)
from adapters.binance.config import (
    LIVE_REST_URL,
    LIVE_WS_URL,
    TESTNET_REST_URL,
    TESTNET_WS_URL,
)
from adapters.clock import SystemClock
from adapters.common.hub import EventHub
from adapters.evidence import FileEvidenceSink, new_run_dir
from adapters.evidence.redact import MIN_SECRET_LEN
from adapters.okx import (
    OkxAccount,
    OkxAlgos,
    OkxConfig,
    OkxCredentials,
    OkxMarket,
    OkxRest,
    OkxStreams,
    OkxTrading,
    OkxWsOrders,
    exchange_clock_of,
)
from adapters.state import JsonFileStateStore
from application import shared_reads
from application.close_position import ClosePosition
from application.driver import PositionDriver
from application.engine import ExecutionEngine
from application.halt import Halt, Resume
from application.manage_position import ManagePosition, OnRegimeShift
from application.open_position import OpenPosition
from application.order_path import OrderPath, StopPath, Timings
from application.performers import Venue
from application.probe import ProbeExecution
from application.push_race import Lingering
from application.recover_protection import RecoverProtection
from application.selfcheck import SelfCheck
from application.shock_watch import ShockWatch
from application.status import Status
from application.watch import ProtectionWatch
from domain.params import Params
from entrypoints.settings import Credentials, Settings, SettingsError
from ports.clock import Clock
from ports.evidence import EvidenceSink
from ports.exchange import ExchangeAdapter
from ports.progress import Progress, Silent
from ports.state import StateStore


class Core(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    clock = providers.Singleton(SystemClock)


def jitter_source() -> Callable[[], float]:
    """Random numbers for retry and reconnect jitter (tests put a seeded one here)."""
    return random.Random().random


class OkxVenue(containers.DeclarativeContainer):
    """One OKX-speaking venue: each part a provider, composed into the seed's ExchangeAdapter.

    Tests and benchmarks build it on its own (config, credentials, clock, sink) and may swap
    the HTTP transport or the jitter source.
    """

    config = providers.Dependency(instance_of=OkxConfig)
    credentials = providers.Dependency(instance_of=OkxCredentials)
    clock = providers.Dependency(instance_of=Clock)  # type: ignore[type-abstract]
    sink = providers.Dependency(instance_of=EvidenceSink)  # type: ignore[type-abstract]
    # an httpx transport: None is the real network; tests put a fault-injecting one here
    transport: providers.Provider[Any] = providers.Object(None)
    # a websockets connect() stand-in: None is the real network; the recorded replay's here
    connector: providers.Provider[Any] = providers.Object(None)
    rng = providers.Singleton(jitter_source)

    rest = providers.Singleton(OkxRest, config, credentials, clock, sink, transport=transport,
                               rng=rng)
    market = providers.Singleton(OkxMarket, rest)
    account = providers.Singleton(OkxAccount, rest, config)
    # regular orders over the private WS when config.ws_orders_on (REST when it is down)
    ws_orders = providers.Singleton(
        OkxWsOrders, config, credentials, clock, sink, rest, rng,
        providers.Singleton(EventHub, clock, config.provided.ws_queue_size))
    orders = providers.Singleton(OkxTrading, rest, account, config, ws_orders)
    algos = providers.Singleton(OkxAlgos, rest, account, config)
    hub = providers.Singleton(EventHub, clock, config.provided.ws_queue_size)
    streams = providers.Singleton(OkxStreams, config, credentials, clock, sink, hub, rng,
                                  providers.Singleton(exchange_clock_of, rest), ws_orders,
                                  connector=connector)
    exchange = providers.Singleton(
        ExchangeAdapter, market, account, orders, algos, streams,
        closers=providers.List(streams.provided.ws_stop, ws_orders.provided.stop,
                               rest.provided.aclose))


def okx_venue(config: OkxConfig, credentials: OkxCredentials, clock: Clock,
              sink: EvidenceSink, *, transport: Any = None,
              rng: Callable[[], float] | None = None) -> OkxVenue:
    """One OKX venue outside the Application container (tests, benchmarks, embedders):
    `okx_venue(...).exchange()` is its ExchangeAdapter, `.rest()` its HTTP side."""
    venue = OkxVenue(config=config, credentials=credentials, clock=clock, sink=sink)
    if transport is not None:
        venue.transport.override(providers.Object(transport))
    if rng is not None:
        venue.rng.override(providers.Object(rng))
    return venue


class BinanceVenue(containers.DeclarativeContainer):
    """One Binance USDⓈ-M venue (testnet, live or the simulator's Binance face), built like
    OkxVenue: each part a provider, composed into the seed's ExchangeAdapter."""

    config = providers.Dependency(instance_of=BinanceConfig)
    credentials = providers.Dependency(instance_of=BinanceCredentials)
    clock = providers.Dependency(instance_of=Clock)  # type: ignore[type-abstract]
    sink = providers.Dependency(instance_of=EvidenceSink)  # type: ignore[type-abstract]
    transport: providers.Provider[Any] = providers.Object(None)
    connector: providers.Provider[Any] = providers.Object(None)
    rng = providers.Singleton(jitter_source)

    rest = providers.Singleton(BinanceRest, config, credentials, clock, sink,
                               transport=transport, rng=rng)
    market = providers.Singleton(BinanceMarket, rest)
    account = providers.Singleton(BinanceAccount, rest, config)
    orders = providers.Singleton(BinanceTrading, rest, account)
    algos = providers.Singleton(BinanceAlgos, rest, account, config)
    hub = providers.Singleton(EventHub, clock, config.provided.ws_queue_size)
    streams = providers.Singleton(BinanceStreams, config, rest, clock, sink, hub, rng,
                                  connector=connector)
    exchange = providers.Singleton(
        ExchangeAdapter, market, account, orders, algos, streams,
        closers=providers.List(streams.provided.ws_stop, rest.provided.aclose))


def binance_venue(config: BinanceConfig, credentials: BinanceCredentials, clock: Clock,
                  sink: EvidenceSink, *, transport: Any = None,
                  rng: Callable[[], float] | None = None) -> BinanceVenue:
    """One Binance venue outside the Application container (tests, benchmarks, embedders):
    `binance_venue(...).exchange()` is its ExchangeAdapter, `.rest()` its HTTP side."""
    venue = BinanceVenue(config=config, credentials=credentials, clock=clock, sink=sink)
    if transport is not None:
        venue.transport.override(providers.Object(transport))
    if rng is not None:
        venue.rng.override(providers.Object(rng))
    return venue


class Adapters(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    clock = providers.Dependency(instance_of=Clock)  # type: ignore[type-abstract]

    run_dir = providers.Singleton(new_run_dir, base=config.run.base, clock=clock,
                                  prefix=config.run.prefix)
    sink = providers.Singleton(FileEvidenceSink, run_dir, clock=clock, labels=config.run.labels,
                               secrets=config.secrets)
    store = providers.Singleton(JsonFileStateStore, config.state_path, clock=clock)
    okx_config = providers.Singleton(
        OkxConfig, rest_url=config.okx.rest_url, ws_url=config.okx.ws_url,
        demo=config.okx.demo, td_mode=config.okx.td_mode,
        write_deadline_ms=config.okx.write_deadline_ms, ws_symbols=config.symbols,
        ws_orders=config.okx.ws_orders, http_stack=config.okx.http_stack)
    okx = providers.Container(OkxVenue, config=okx_config, credentials=config.credentials,
                              clock=clock, sink=sink)
    binance_config = providers.Singleton(
        BinanceConfig, rest_url=config.binance.rest_url, ws_url=config.binance.ws_url,
        margin_asset=config.binance.margin_asset, recv_window_ms=config.binance.recv_window_ms,
        stop_close_position=config.binance.stop_close_position, ws_symbols=config.symbols,
        http_stack=config.binance.http_stack)
    binance = providers.Container(BinanceVenue, config=binance_config,
                                  credentials=config.credentials, clock=clock, sink=sink)
    # each venue key selects its adapter's exchange: the three OKX venues differ only in host,
    # keys and the demo header (config.okx), the three Binance ones in host and keys
    # (config.binance). Venue replay answers from a recording (entrypoints/replay_context.py
    # swaps in its transport and clock) through the recorded exchange's own adapter.
    exchange = providers.Selector(config.venue, sim=okx.exchange,
                                  replay=providers.Selector(config.replay.exchange,
                                                            okx=okx.exchange,
                                                            binance=binance.exchange),
                                  **{"okx-demo": okx.exchange, "okx-live": okx.exchange,
                                     "sim-binance": binance.exchange,
                                     "binance-testnet": binance.exchange,
                                     "binance-live": binance.exchange})


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

    timings = providers.Singleton(Timings)
    # reads that lost a race to a push, shared by both paths; OpenPosition settles them
    lingering = providers.Singleton(Lingering)
    order_path = providers.Factory(OrderPath, orders, market, clock, timings, streams,
                                   lingering)
    # per-symbol open-order reads of concurrent symbols shared as account-wide reads (P4):
    # one wrapper per container, so every use-case of a session shares its rounds
    shared_algos = providers.Singleton(shared_reads.shared_algos, algos)
    shared_orders = providers.Singleton(shared_reads.shared_orders, orders)
    stop_path = providers.Factory(StopPath, shared_algos, streams, clock, lingering)
    venue = providers.Factory(Venue, market, account, orders, algos, order_path, stop_path)
    driver = providers.Factory(PositionDriver, venue, store, clock, params, progress)

    engine = providers.Factory(ExecutionEngine, market, account, orders, order_path, sink)
    probe = providers.Factory(ProbeExecution, engine, market, account, order_path, sink,
                              progress)
    selfcheck = providers.Factory(SelfCheck, market, account, algos, streams, stop_path, sink,
                                  clock, params)
    open_position = providers.Factory(OpenPosition, market, account, orders, order_path,
                                      driver, store, clock, params, progress)
    manage_position = providers.Factory(ManagePosition, market, account, orders, algos, driver,
                                        store)
    regime_shift = providers.Factory(OnRegimeShift, market, account, driver, store, clock,
                                     params)
    recover = providers.Factory(RecoverProtection, market, account, shared_orders,
                                shared_algos, driver, store, clock, params, progress)
    close_position = providers.Factory(ClosePosition, market, account, order_path, driver,
                                       store)
    status = providers.Factory(Status, account, algos, store, clock)
    shock_watch = providers.Factory(ShockWatch, market, regime_shift, store, clock, params)
    watch = providers.Factory(ProtectionWatch, streams, recover, manage_position, store, clock,
                              orders, shock_watch, progress)
    # halt takes its store per call: it must work when the store cannot be read
    halt = providers.Factory(Halt, market, account, orders, algos, order_path, sink, clock,
                             params)
    resume = providers.Factory(Resume, store, clock, sink)


class Application(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    core = providers.Container(Core, config=config)
    adapters = providers.Container(Adapters, config=config, clock=core.clock)
    use_cases = providers.Container(UseCases, exchange=adapters.exchange, sink=adapters.sink,
                                    store=adapters.store, clock=core.clock, params=config.params)


OKX_HOST_SUFFIX = "okx.com"
BINANCE_HOST_SUFFIX = "binance.com"


def container_config(settings: Settings, *, run_prefix: str, labels: dict[str, Any],
                     rest_url: str | None = None, ws_url: str | None = None,
                     credentials: Credentials | None = None) -> dict[str, Any]:
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
                "ws_orders": settings.ws_orders, "http_stack": settings.http_stack}}


def _binance_section(settings: Settings, rest: str | None, ws: str | None) -> dict[str, Any]:
    live = settings.venue == "binance-live"
    rest = rest or (LIVE_REST_URL if live else TESTNET_REST_URL)
    ws = ws or (LIVE_WS_URL if live else TESTNET_WS_URL)
    if live:
        _refuse_foreign(settings.venue, BINANCE_HOST_SUFFIX, rest, ws)
    section = settings.binance
    return {"rest_url": rest, "ws_url": ws, "margin_asset": section.margin_asset,
            "recv_window_ms": section.recv_window_ms,
            "stop_close_position": section.stop_close_position,
            "http_stack": settings.http_stack}


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
    container = Application()
    container.config.from_dict(config)
    container.check_dependencies()
    return container
