"""The Binance USDⓈ-M side of the composition root (entrypoints/container.py): BinanceVenue
builds one Binance venue's role adapters and composes them into the seed's ExchangeAdapter;
BinanceApplication is the Application whose exchange it is (venues sim-binance,
binance-testnet, binance-live and a replay of a Binance recording). Imported only when the
selected venue speaks Binance."""

from collections.abc import Callable
from typing import Any

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
from adapters.common.hub import EventHub
from entrypoints.container import Adapters, jitter_source, venue_application
from entrypoints.di import containers, providers
from ports.clock import Clock
from ports.evidence import EvidenceSink
from ports.exchange import ExchangeAdapter


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



class BinanceAdapters(Adapters):
    """The venue-neutral adapters plus Binance's: the three Binance venues differ only in host
    and keys (config.binance)."""

    binance_config = providers.Singleton(
        BinanceConfig, rest_url=Adapters.config.binance.rest_url,
        ws_url=Adapters.config.binance.ws_url,
        margin_asset=Adapters.config.binance.margin_asset,
        recv_window_ms=Adapters.config.binance.recv_window_ms,
        stop_close_position=Adapters.config.binance.stop_close_position,
        ws_symbols=Adapters.config.symbols, http_stack=Adapters.config.binance.http_stack)
    binance = providers.Container(BinanceVenue, config=binance_config,
                                  credentials=Adapters.config.credentials,
                                  clock=Adapters.clock, sink=Adapters.sink)
    exchange = binance.exchange


BinanceApplication = venue_application(BinanceAdapters)
