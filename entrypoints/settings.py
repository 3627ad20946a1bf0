"""Settings, loaded once at the edge: environment (secrets only from env or an owner-only file)
plus an optional TOML file, overridden by CLI options. Nothing below entrypoints/ reads os.environ.
"""

import os
import stat
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from adapters.okx.credentials import OkxCredentials
from domain.errors import ParameterError
from domain.params import Params, params_from_mapping

VENUES = ("sim", "okx-demo", "okx-live")
DEFAULT_SYMBOLS = ("BTC-USDT-SWAP",)
CREDENTIAL_ENV = ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE")
TOP_KEYS = {"venue", "runs_dir", "state_path", "symbols", "okx", "params", "engine"}
OKX_KEYS = {"rest_url", "ws_url", "td_mode", "credentials_file", "write_deadline_ms"}
ENGINE_KEYS = {"max_clock_skew_ms", "required_pos_mode"}


def default_state_path(venue: str) -> Path:
    """One store per venue: simulated positions never mix with real ones (seed 001 §0.4)."""
    return Path("state") / venue / "state.json"


class SettingsError(Exception):
    """Configuration the engine refuses to start with; the CLI exits with code 2."""


@attrs.frozen
class Settings:
    venue: str
    rest_url: str | None
    ws_url: str | None
    td_mode: str
    write_deadline_ms: int
    credentials: OkxCredentials | None = attrs.field(repr=False)
    runs_dir: Path
    state_path: Path
    symbols: tuple[str, ...]
    params: Params
    max_clock_skew_ms: int = 1000
    required_pos_mode: str = "net_mode"
    live_confirmed: bool = False

    @property
    def demo(self) -> bool:
        return self.venue != "okx-live"


def load_settings(*, env: Mapping[str, str] | None = None, config_path: Path | None = None,
                  venue: str | None = None, live_confirmed: bool = False,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build Settings or raise SettingsError naming what is wrong."""
    env = os.environ if env is None else env
    path = config_path or _env_path(env, "PROMETHEUS_CONFIG")
    doc = _read_toml(path) if path else {}
    _check_keys(doc, TOP_KEYS, "")
    okx = _table(doc, "okx", OKX_KEYS)
    engine = _table(doc, "engine", ENGINE_KEYS)
    chosen = venue or env.get("PROMETHEUS_VENUE") or doc.get("venue") or "sim"
    if chosen not in VENUES:
        raise SettingsError(f"venue must be one of {', '.join(VENUES)}, got {chosen!r}")
    credentials = _credentials(env, okx)
    _check_venue(chosen, credentials, live_confirmed)
    values = {**doc, **(overrides or {})}
    return Settings(
        venue=chosen,
        rest_url=env.get("OKX_REST_URL") or okx.get("rest_url"),
        ws_url=env.get("OKX_WS_URL") or okx.get("ws_url"),
        td_mode=str(okx.get("td_mode", "cross")),
        write_deadline_ms=int(okx.get("write_deadline_ms", 5000)),
        credentials=credentials,
        runs_dir=Path(values.get("runs_dir", "runs")),
        state_path=Path(values.get("state_path", default_state_path(chosen))),
        symbols=tuple(values.get("symbols", DEFAULT_SYMBOLS)),
        params=_params(doc.get("params", {})),
        max_clock_skew_ms=int(engine.get("max_clock_skew_ms", 1000)),
        required_pos_mode=str(engine.get("required_pos_mode", "net_mode")),
        live_confirmed=live_confirmed,
    )


def _env_path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    return Path(value) if value else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except FileNotFoundError:
        raise SettingsError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from None


def _check_keys(table: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise SettingsError(f"unknown config key(s): {', '.join(prefix + k for k in unknown)}")


def _table(doc: Mapping[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise SettingsError(f"config key {name!r} must be a table")
    _check_keys(table, allowed, f"{name}.")
    return table


def _params(mapping: object) -> Params:
    if not isinstance(mapping, dict):
        raise SettingsError("config key 'params' must be a table")
    try:
        return params_from_mapping(mapping)
    except ParameterError as exc:
        raise SettingsError(f"params: {exc}") from None


def _credentials(env: Mapping[str, str], okx: Mapping[str, Any]) -> OkxCredentials | None:
    present = [name for name in CREDENTIAL_ENV if env.get(name)]
    if present and len(present) < 3:
        missing = sorted(set(CREDENTIAL_ENV) - set(present))
        raise SettingsError(f"incomplete credentials: {', '.join(missing)} not set")
    if present:
        return OkxCredentials(*(env[name] for name in CREDENTIAL_ENV))
    file = okx.get("credentials_file") or env.get("OKX_CREDENTIALS_FILE")
    return _credentials_file(Path(str(file)).expanduser()) if file else None


def _credentials_file(path: Path) -> OkxCredentials:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SettingsError(f"credentials file {path} does not exist") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SettingsError(f"credentials file {path} is readable by others: chmod 600 it")
    if info.st_uid != os.getuid():
        raise SettingsError(f"credentials file {path} is not owned by the current user")
    doc = _read_toml(path)
    try:
        return OkxCredentials(doc["api_key"], doc["secret"], doc["passphrase"])
    except (KeyError, ValueError) as exc:
        raise SettingsError(f"credentials file {path} needs api_key, secret, passphrase: "
                            f"{exc}") from None


def _check_venue(venue: str, credentials: OkxCredentials | None, live_confirmed: bool) -> None:
    if venue != "sim" and credentials is None:
        raise SettingsError(f"venue {venue} needs OKX_API_KEY, OKX_API_SECRET, "
                            "OKX_API_PASSPHRASE (or okx.credentials_file)")
    if venue == "okx-live" and not live_confirmed:
        raise SettingsError("venue okx-live trades real money: add --i-understand-live")
