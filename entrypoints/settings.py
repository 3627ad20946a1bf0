"""Settings, loaded once at the edge: environment (secrets only from env or an owner-only file)
plus an optional TOML file, overridden by CLI options. Nothing below entrypoints/ reads os.environ.

The file is read through entrypoints/config_file.py's strict converter; every refusal is a
SettingsError naming the file, the environment variable or the dotted key.
"""

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from adapters.okx.credentials import OkxCredentials
from domain.params import Params
from entrypoints.config_file import (
    ConfigProblem,
    CredentialsFile,
    SettingsFile,
    Venue,
    read_toml,
    structure,
    symbol_problem,
    url_problem,
)

VENUES = tuple(v.value for v in Venue)
DEFAULT_SYMBOLS = ("BTC-USDT-SWAP",)
CREDENTIAL_ENV = ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE")


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
    file = _settings_file(path) if path else SettingsFile()
    chosen = _venue(venue, env, file)
    credentials = _credentials(env, file.okx.credentials_file)
    _check_venue(chosen, credentials, live_confirmed)
    values: dict[str, Any] = {k: v for k, v in {
        "runs_dir": file.runs_dir, "state_path": file.state_path,
        "symbols": file.symbols}.items() if v is not None}
    values.update(overrides or {})
    return Settings(
        venue=chosen,
        rest_url=_env_url(env, "OKX_REST_URL", ("http", "https")) or file.okx.rest_url,
        ws_url=_env_url(env, "OKX_WS_URL", ("ws", "wss")) or file.okx.ws_url,
        td_mode=file.okx.td_mode.value,
        write_deadline_ms=file.okx.write_deadline_ms,
        credentials=credentials,
        runs_dir=Path(values.get("runs_dir", "runs")),
        state_path=Path(values.get("state_path", default_state_path(chosen))),
        symbols=_symbols(values.get("symbols", DEFAULT_SYMBOLS)),
        params=file.params,
        max_clock_skew_ms=file.engine.max_clock_skew_ms,
        required_pos_mode=file.engine.required_pos_mode.value,
        live_confirmed=live_confirmed,
    )


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


def _symbols(symbols: object) -> tuple[str, ...]:
    # symbols from code (overrides) get the same check as the file's
    if isinstance(symbols, str) or not isinstance(symbols, list | tuple) or not symbols:
        raise SettingsError(f"symbols must be a non-empty list of instIds, got {symbols!r}")
    for symbol in symbols:
        problem = symbol_problem(str(symbol))
        if problem:
            raise SettingsError(f"symbols: {problem}")
    return tuple(str(s) for s in symbols)


def _credentials(env: Mapping[str, str], file: Path | None) -> OkxCredentials | None:
    present = [name for name in CREDENTIAL_ENV if env.get(name)]
    if present and len(present) < 3:
        missing = sorted(set(CREDENTIAL_ENV) - set(present))
        raise SettingsError(f"incomplete credentials: {', '.join(missing)} not set")
    if present:
        for name in present:
            if env[name] != env[name].strip():
                raise SettingsError(f"environment variable {name} has leading or trailing "
                                    "whitespace")
        return OkxCredentials(*(env[name] for name in CREDENTIAL_ENV))
    named = file or _env_path(env, "OKX_CREDENTIALS_FILE")
    return _credentials_file(named.expanduser()) if named else None


def _credentials_file(path: Path) -> OkxCredentials:
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
        creds = structure(read_toml(path), CredentialsFile)
    except ConfigProblem as exc:
        raise SettingsError(f"credentials file {path}: {exc}") from None
    return OkxCredentials(creds.api_key, creds.secret, creds.passphrase)


def _check_venue(venue: str, credentials: OkxCredentials | None, live_confirmed: bool) -> None:
    if venue != "sim" and credentials is None:
        raise SettingsError(f"venue {venue} needs OKX_API_KEY, OKX_API_SECRET, "
                            "OKX_API_PASSPHRASE (or okx.credentials_file)")
    if venue == "okx-live" and not live_confirmed:
        raise SettingsError("venue okx-live trades real money: add --i-understand-live")
