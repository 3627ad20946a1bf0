"""The composition root: three containers (Core, Adapters, UseCases) wired from Settings.

Providers build plain objects synchronously; connections are opened and closed by the CLI's
lifecycle (entrypoints/lifecycle.py) inside its single asyncio.run.
"""

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.evidence import FileEvidenceSink, new_run_dir
from adapters.evidence.redact import MIN_SECRET_LEN
from adapters.okx import OkxConfig, OkxCredentials, OkxExchange
from adapters.state import JsonFileStateStore
from application.close_position import ClosePosition
from application.engine import ExecutionEngine
from application.manage_position import ManagePosition, OnRegimeShift
from application.open_position import OpenPosition
from application.probe import ProbeExecution
from application.recover_protection import RecoverProtection
from application.selfcheck import SelfCheck
from application.status import Status
from application.watch import ProtectionWatch
from domain.params import Params
from entrypoints.settings import Settings, SettingsError
from ports.clock import Clock
from ports.evidence import EvidenceSink
from ports.exchange import ExchangeAdapter
from ports.progress import Progress, Silent
from ports.state import StateStore


class Core(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    clock = providers.Singleton(SystemClock)


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
        write_deadline_ms=config.okx.write_deadline_ms, ws_symbols=config.symbols)
    okx = providers.Singleton(OkxExchange, okx_config, config.credentials, clock, sink)
    # every venue speaks OKX v5; they differ in host, keys and the demo header (config above).
    # A recorded-evidence venue ("replay") will add its own provider here.
    exchange = providers.Selector(config.venue, sim=okx, **{"okx-demo": okx, "okx-live": okx})


class UseCases(containers.DeclarativeContainer):
    exchange = providers.Dependency(instance_of=ExchangeAdapter)  # type: ignore[type-abstract]
    sink = providers.Dependency(instance_of=EvidenceSink)  # type: ignore[type-abstract]
    store = providers.Dependency(instance_of=StateStore)  # type: ignore[type-abstract]
    clock = providers.Dependency(instance_of=Clock)  # type: ignore[type-abstract]
    params = providers.Dependency(instance_of=Params)
    progress = providers.Dependency(instance_of=Progress, default=Silent())  # type: ignore[type-abstract]

    engine = providers.Factory(ExecutionEngine, exchange, sink)
    probe = providers.Factory(ProbeExecution, exchange, sink, clock, progress)
    selfcheck = providers.Factory(SelfCheck, exchange, sink, clock, params)
    open_position = providers.Factory(OpenPosition, exchange, store, clock, params,
                                    progress)
    manage_position = providers.Factory(ManagePosition, exchange, store, clock, params,
                                    progress)
    regime_shift = providers.Factory(OnRegimeShift, exchange, store, clock, params,
                                    progress)
    recover = providers.Factory(RecoverProtection, exchange, store, clock, params,
                                    progress)
    close_position = providers.Factory(ClosePosition, exchange, store, clock, params,
                                    progress)
    status = providers.Factory(Status, exchange, store, clock)
    watch = providers.Factory(ProtectionWatch, exchange, store, clock, params)


class Application(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    core = providers.Container(Core, config=config)
    adapters = providers.Container(Adapters, config=config, clock=core.clock)
    use_cases = providers.Container(UseCases, exchange=adapters.exchange, sink=adapters.sink,
                                    store=adapters.store, clock=core.clock, params=config.params)


OKX_HOST_SUFFIX = "okx.com"


def container_config(settings: Settings, *, run_prefix: str, labels: dict[str, Any],
                     rest_url: str | None = None, ws_url: str | None = None,
                     credentials: OkxCredentials | None = None) -> dict[str, Any]:
    """The container's configuration. rest_url, ws_url and credentials override the settings
    (the embedded simulator passes its own)."""
    creds = credentials or settings.credentials
    if creds is None:
        raise SettingsError(f"venue {settings.venue} has no credentials")
    rest = rest_url or settings.rest_url or "https://www.okx.com"
    if settings.venue == "okx-live":
        _refuse_non_okx(rest, ws_url or settings.ws_url)
    return {
        "venue": settings.venue,
        "symbols": settings.symbols,
        "state_path": settings.state_path,
        "params": settings.params,
        "credentials": creds,
        # scrubbed by value everywhere as a last guard; a value too short to scrub safely is
        # still redacted by name (OK-ACCESS-* headers, WS login fields)
        "secrets": [v for v in creds.values() if len(v) >= MIN_SECRET_LEN],
        "run": {"base": Path(settings.runs_dir), "prefix": run_prefix, "labels": labels},
        "okx": {"rest_url": rest, "ws_url": ws_url or settings.ws_url, "demo": settings.demo,
                "td_mode": settings.td_mode, "write_deadline_ms": settings.write_deadline_ms},
    }


def _refuse_non_okx(rest_url: str, ws_url: str | None) -> None:
    """Live keys and real money never go to a simulator, a recording or a plain-text host."""
    for url in filter(None, (rest_url, ws_url)):
        parsed = urlparse(url)
        host = parsed.hostname or ""
        if parsed.scheme not in ("https", "wss") or not (
                host == OKX_HOST_SUFFIX or host.endswith("." + OKX_HOST_SUFFIX)):
            raise SettingsError(f"okx-live refuses {url}: live trading goes only to OKX's "
                                "own TLS hosts (*.okx.com)")


def build_container(config: dict[str, Any]) -> Application:
    container = Application()
    container.config.from_dict(config)
    container.check_dependencies()
    return container
