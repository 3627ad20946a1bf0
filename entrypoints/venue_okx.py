"""The OKX side of the composition root (entrypoints/container.py): OkxVenue builds one
OKX-speaking venue's role adapters and composes them into the seed's ExchangeAdapter;
OkxApplication is the Application whose exchange it is (venues sim, okx-demo, okx-live and a
replay of an OKX recording). Imported only when the selected venue speaks OKX, so a Binance
command never loads the OKX adapters (and the other way round)."""

from collections.abc import Callable
from typing import Any

from adapters.common.hub import EventHub
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
from entrypoints.container import Adapters, jitter_source, venue_application
from entrypoints.di import containers, providers
from ports.clock import Clock
from ports.evidence import EvidenceSink
from ports.exchange import ExchangeAdapter


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


class OkxAdapters(Adapters):
    """The venue-neutral adapters plus OKX's: the three OKX venues differ only in host, keys
    and the demo header (config.okx)."""

    okx_config = providers.Singleton(
        OkxConfig, rest_url=Adapters.config.okx.rest_url, ws_url=Adapters.config.okx.ws_url,
        demo=Adapters.config.okx.demo, td_mode=Adapters.config.okx.td_mode,
        write_deadline_ms=Adapters.config.okx.write_deadline_ms,
        ws_symbols=Adapters.config.symbols, ws_orders=Adapters.config.okx.ws_orders,
        http_stack=Adapters.config.okx.http_stack)
    okx = providers.Container(OkxVenue, config=okx_config,
                              credentials=Adapters.config.credentials, clock=Adapters.clock,
                              sink=Adapters.sink)
    exchange = okx.exchange


OkxApplication = venue_application(OkxAdapters)
