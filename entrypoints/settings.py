"""Settings, loaded once at the edge: environment (secrets only from env or an owner-only file)
plus an optional TOML file, overridden by CLI options. Nothing below entrypoints/ reads os.environ.

The file is read through entrypoints/config_file.py's strict converter; every refusal is a
SettingsError naming the file, the environment variable or the dotted key.
"""

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:  # imported when needed: the adapters are not loaded for `--help`
    from adapters.binance.credentials import BinanceCredentials
    from adapters.okx.credentials import OkxCredentials

    Credentials = OkxCredentials | BinanceCredentials
from domain.params import Params
from entrypoints.config_file import (
    BinanceCredentialsFile,
    BinanceSection,
    ConfigProblem,
    CredentialsFile,
    HttpStack,
    SettingsFile,
    Venue,
    read_toml,
    structure,
    url_problem,
)
from entrypoints.symbols import symbol_problem

VENUES = tuple(v.value for v in Venue)
# the venues that run the embedded simulator (a fresh one per command)
SIM_VENUES = ("sim", "sim-binance")
DEFAULT_SYMBOLS = {"okx": ("BTC-USDT-SWAP",), "binance": ("BTCUSDC",)}
CREDENTIAL_ENV = ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE")
BINANCE_CREDENTIAL_ENV = ("BINANCE_API_KEY", "BINANCE_API_SECRET")
T = TypeVar("T")


def __getattr__(name: str) -> Any:
    """`Credentials` (the union of both venues' key types) for modules that import it."""
    if name == "Credentials":
        from adapters.binance.credentials import BinanceCredentials
        from adapters.okx.credentials import OkxCredentials
        return OkxCredentials | BinanceCredentials
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def exchange_of(venue: str) -> str:
    """"okx" or "binance": whose API the venue speaks."""
    return Venue(venue).exchange


def default_state_path(venue: str) -> Path:
    """One store per venue: simulated positions never mix with real ones (seed 001 §0.4)."""
    return Path("state") / venue / "state.json"


class SettingsError(Exception):
    """Configuration the engine refuses to start with; the CLI exits with code 2."""


@attrs.frozen
class Settings:
    venue: str
    # the selected venue's hosts: OKX_* / [okx] on an OKX venue, BINANCE_* / [binance] on a
    # Binance one (None: the venue's default)
    rest_url: str | None
    ws_url: str | None
    td_mode: str
    write_deadline_ms: int
    credentials: "Credentials | None" = attrs.field(repr=False)
    runs_dir: Path
    state_path: Path
    symbols: tuple[str, ...]
    params: Params
    max_clock_skew_ms: int = 1000
    required_pos_mode: str = "net_mode"
    live_confirmed: bool = False
    binance: BinanceSection = attrs.field(factory=BinanceSection)
    alert_webhook_url: str | None = None
    # OKX order entry over the private WS: None = the venue's default (on live only)
    ws_orders: bool | None = None
    # "aiohttp", "httpx" or "auto" (HttpStack, entrypoints/config_file.py): what carries REST
    http_stack: str = "auto"

    @property
    def demo(self) -> bool:
        return self.venue not in ("okx-live", "binance-live")

    @property
    def exchange(self) -> str:
        """"okx" or "binance": whose API the venue speaks."""
        return exchange_of(self.venue)


def load_settings(*, env: Mapping[str, str] | None = None, config_path: Path | None = None,
                  venue: str | None = None, live_confirmed: bool = False,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build Settings or raise SettingsError naming what is wrong."""
    env = os.environ if env is None else env
    path = config_path or _env_path(env, "PROMETHEUS_CONFIG")
    file = _settings_file(path) if path else SettingsFile()
    chosen = _venue(venue, env, file)
    exchange = exchange_of(chosen)
    credentials: Credentials | None
    if exchange == "binance":
        credentials = _binance_credentials(env, file.binance.credentials_file)
        prefix, section_urls = "BINANCE", (file.binance.rest_url, file.binance.ws_url)
    else:
        credentials = _credentials(env, file.okx.credentials_file)
        prefix, section_urls = "OKX", (file.okx.rest_url, file.okx.ws_url)
    _check_venue(chosen, credentials, live_confirmed)
    values: dict[str, Any] = {k: v for k, v in {
        "runs_dir": file.runs_dir, "state_path": file.state_path,
        "symbols": file.symbols}.items() if v is not None}
    values.update(overrides or {})
    return Settings(
        venue=chosen,
        rest_url=_env_url(env, f"{prefix}_REST_URL", ("http", "https")) or section_urls[0],
        ws_url=_env_url(env, f"{prefix}_WS_URL", ("ws", "wss")) or section_urls[1],
        td_mode=file.okx.td_mode.value,
        write_deadline_ms=file.okx.write_deadline_ms,
        credentials=credentials,
        runs_dir=Path(values.get("runs_dir", "runs")),
        state_path=Path(values.get("state_path", default_state_path(chosen))),
        symbols=_symbols(values.get("symbols", DEFAULT_SYMBOLS[exchange]), chosen),
        params=file.params,
        max_clock_skew_ms=file.engine.max_clock_skew_ms,
        required_pos_mode=file.engine.required_pos_mode.value,
        live_confirmed=live_confirmed,
        binance=file.binance,
        alert_webhook_url=(_env_url(env, "PROMETHEUS_ALERT_WEBHOOK_URL", ("http", "https"))
                           or file.alert_webhook_url),
        ws_orders=_env_choice(env, "OKX_WS_ORDERS", WS_ORDERS_CHOICES, file.okx.ws_orders),
        http_stack=_env_choice(env, "PROMETHEUS_HTTP_STACK", HTTP_STACK_CHOICES,
                               file.engine.http_stack.value),
    )


WS_ORDERS_CHOICES: dict[str, bool | None] = {"true": True, "false": False, "auto": None}
HTTP_STACK_CHOICES = {stack.value: stack.value for stack in HttpStack}


def _env_choice(env: Mapping[str, str], name: str, choices: Mapping[str, T],
                otherwise: T) -> T:
    """The variable's value among choices (the settings file's when unset or empty)."""
    raw = env.get(name, "").strip()
    if not raw:
        return otherwise
    if raw.lower() not in choices:
        raise SettingsError(f"{name}={raw!r}: use one of {', '.join(choices)}")
    return choices[raw.lower()]


def _settings_file(path: Path) -> SettingsFile:
    try:
        return structure(read_toml(path), SettingsFile)
    except ConfigProblem as exc:
        raise SettingsError(f"config file {path}: {exc}") from None


def _venue(given: str | None, env: Mapping[str, str], file: SettingsFile) -> str:
    for source, value in (("--venue", given), ("PROMETHEUS_VENUE", env.get("PROMETHEUS_VENUE"))):
        if value:
            if value not in VENUES:
                raise SettingsError(f"{source} must be one of {', '.join(VENUES)}, "
                                    f"got {value!r}")
            return value
    return file.venue.value if file.venue else "sim"


def _env_path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    return Path(value) if value else None


def _env_url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name)
    if not value:
        return None
    problem = url_problem(value, schemes)
    if problem:
        raise SettingsError(f"environment variable {name}: {problem}")
    return value


def _symbols(symbols: object, venue: str) -> tuple[str, ...]:
    # symbols from code (overrides) get the same check as the file's, and every symbol must
    # be of the venue's exchange (BTCUSDC on Binance, BTC-USDT-SWAP on OKX)
    if isinstance(symbols, str) or not isinstance(symbols, list | tuple) or not symbols:
        raise SettingsError(f"symbols must be a non-empty list of instIds, got {symbols!r}")
    for symbol in symbols:
        problem = symbol_problem(str(symbol), exchange_of(venue))
        if problem:
            raise SettingsError(f"symbols: {problem} (venue {venue})")
    return tuple(str(s) for s in symbols)


def _from_env(env: Mapping[str, str], names: tuple[str, ...]) -> tuple[str, ...] | None:
    """All of the named credentials from the environment, none, or SettingsError (some)."""
    present = [name for name in names if env.get(name)]
    if not present:
        return None
    if len(present) < len(names):
        missing = sorted(set(names) - set(present))
        raise SettingsError(f"incomplete credentials: {', '.join(missing)} not set")
    for name in present:
        if env[name] != env[name].strip():
            raise SettingsError(f"environment variable {name} has leading or trailing "
                                "whitespace")
    return tuple(env[name] for name in names)


def _credentials(env: Mapping[str, str], file: Path | None) -> "OkxCredentials | None":
    from adapters.okx.credentials import OkxCredentials
    values = _from_env(env, CREDENTIAL_ENV)
    if values is not None:
        return OkxCredentials(*values)
    named = file or _env_path(env, "OKX_CREDENTIALS_FILE")
    if named is None:
        return None
    creds = _credentials_file(named.expanduser(), CredentialsFile)
    return OkxCredentials(creds.api_key, creds.secret, creds.passphrase)


def _binance_credentials(env: Mapping[str, str],
                         file: Path | None) -> "BinanceCredentials | None":
    from adapters.binance.credentials import BinanceCredentials
    values = _from_env(env, BINANCE_CREDENTIAL_ENV)
    if values is not None:
        return BinanceCredentials(*values)
    named = file or _env_path(env, "BINANCE_CREDENTIALS_FILE")
    if named is None:
        return None
    creds = _credentials_file(named.expanduser(), BinanceCredentialsFile)
    return BinanceCredentials(creds.api_key, creds.secret)


def _credentials_file(path: Path, schema: type[T]) -> T:
    """An owner-only regular file of this user, read as schema (values never echoed)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SettingsError(f"credentials file {path} does not exist") from None
    except OSError as exc:
        raise SettingsError(f"credentials file {path} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SettingsError(f"credentials file {path} is not a regular file")
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SettingsError(f"credentials file {path} is readable by others: chmod 600 it")
    if info.st_uid != os.getuid():
        raise SettingsError(f"credentials file {path} is not owned by the current user")
    try:
        return structure(read_toml(path), schema)
    except ConfigProblem as exc:
        raise SettingsError(f"credentials file {path}: {exc}") from None


def _check_venue(venue: str, credentials: "Credentials | None",
                 live_confirmed: bool) -> None:
    if venue not in SIM_VENUES and credentials is None:
        needs = ("BINANCE_API_KEY, BINANCE_API_SECRET (or binance.credentials_file)"
                 if exchange_of(venue) == "binance" else
                 "OKX_API_KEY, OKX_API_SECRET, OKX_API_PASSPHRASE (or okx.credentials_file)")
        raise SettingsError(f"venue {venue} needs {needs}")
    if venue in ("okx-live", "binance-live") and not live_confirmed:
        raise SettingsError(f"venue {venue} trades real money: add --i-understand-live")
