"""The settings file and the credentials file, read through one strict cattrs converter.

Unknown keys are refused, types are never coerced (a string is not split into letters, a
float is not a Decimal, "5" is not 5), and every problem names its dotted key. The engine's
parameters (domain/params.py) are one more table of the same file: their ranges are the
domain's own validators, reported here under `params.<section>.<key>`.
"""

import enum
import re
import tomllib
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import attrs
import cattrs
from cattrs.errors import (
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from domain.errors import ParameterError
from domain.params import Params
from entrypoints.symbols import any_symbol_problem

T = TypeVar("T")
_ASSET = re.compile(r"[A-Z0-9]{2,12}")


class Venue(enum.Enum):
    SIM = "sim"
    OKX_DEMO = "okx-demo"
    OKX_LIVE = "okx-live"
    SIM_BINANCE = "sim-binance"
    BINANCE_TESTNET = "binance-testnet"
    BINANCE_LIVE = "binance-live"

    @property
    def exchange(self) -> str:
        """Which exchange's API the venue speaks: "okx" or "binance"."""
        return "binance" if self.value in BINANCE_VENUES else "okx"


BINANCE_VENUES = ("sim-binance", "binance-testnet", "binance-live")


class TdMode(enum.Enum):
    CROSS = "cross"
    ISOLATED = "isolated"


class HttpStack(enum.Enum):
    """What carries REST calls (BENCHMARKS.md): aiohttp's pool, or httpx's own httpcore stack;
    auto: aiohttp, except httpx for the read-only one-shot commands (status, selfcheck without
    orders), whose few calls never repay aiohttp's import (issue 14 P3)."""

    AIOHTTP = "aiohttp"
    HTTPX = "httpx"
    AUTO = "auto"


class PosMode(enum.Enum):
    NET = "net_mode"
    LONG_SHORT = "long_short_mode"


class ConfigProblem(Exception):
    """A file that does not fit its schema; `problems` are 'dotted.key: what is wrong'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _ints(low: int, high: int, unit: str) -> Callable[[Any, "attrs.Attribute[Any]", int], None]:
    def check(_inst: Any, attribute: "attrs.Attribute[Any]", value: int) -> None:
        if not low <= value <= high:
            raise ParameterError(attribute.name, f"{value} is outside {low}..{high} {unit}")
    return check


def _url(*schemes: str) -> Callable[[Any, "attrs.Attribute[Any]", str | None], None]:
    def check(_inst: Any, attribute: "attrs.Attribute[Any]", value: str | None) -> None:
        if value is not None:
            problem = url_problem(value, schemes)
            if problem:
                raise ParameterError(attribute.name, problem)
    return check


def url_problem(value: str, schemes: tuple[str, ...]) -> str:
    """Why value is not a URL of one of these schemes with a host ('' when it is)."""
    try:
        parsed = urlparse(value)
        parsed.port  # noqa: B018 - raises on a port that is not a number or out of range
    except ValueError as exc:
        return f"{value!r} is not a URL: {exc}"
    if parsed.scheme not in schemes or not parsed.hostname:
        starts = " or ".join(f"{scheme}://" for scheme in schemes)
        return f"expected a URL starting with {starts} and naming a host, got {value!r}"
    return ""


def _symbols(_inst: Any, attribute: "attrs.Attribute[Any]",
             value: tuple[str, ...] | None) -> None:
    if value is None:
        return
    if not value:
        raise ParameterError(attribute.name, "name at least one instrument")
    for index, symbol in enumerate(value):
        problem = any_symbol_problem(symbol)
        if problem:
            raise ParameterError(f"{attribute.name}[{index}]", problem)
    repeated = sorted({s for s in value if value.count(s) > 1})
    if repeated:
        raise ParameterError(attribute.name, f"{', '.join(repeated)} listed more than once")


@attrs.frozen
class OkxSection:
    rest_url: str | None = attrs.field(default=None, validator=_url("http", "https"))
    ws_url: str | None = attrs.field(default=None, validator=_url("ws", "wss"))
    td_mode: TdMode = TdMode.CROSS
    credentials_file: Path | None = None
    write_deadline_ms: int = attrs.field(default=5000, validator=_ints(100, 60_000, "ms"))
    # regular orders and cancels over the private WebSocket (REST when it is down); unset: on
    # for okx-live, off for okx-demo and sim (a 2026 report has demo refusing instIdCode)
    ws_orders: bool | None = None


def _asset(_inst: Any, attribute: "attrs.Attribute[Any]", value: str) -> None:
    if not _ASSET.fullmatch(value):
        raise ParameterError(attribute.name, f"{value!r} is not an asset name like USDC")


@attrs.frozen
class BinanceSection:
    rest_url: str | None = attrs.field(default=None, validator=_url("http", "https"))
    ws_url: str | None = attrs.field(default=None, validator=_url("ws", "wss"))
    credentials_file: Path | None = None
    # whose balance get_balances reports (USDC for USDC-M, USDT for USDT-M); the risk budget
    # always reads the traded instrument's own margin asset
    margin_asset: str = attrs.field(default="USDC", validator=_asset)
    # Binance refuses a signed request older than this (its default 5000, at most 60000)
    recv_window_ms: int = attrs.field(default=5000, validator=_ints(1, 60_000, "ms"))
    # protective stops as closePosition=true (no quantity) instead of quantity + reduceOnly
    stop_close_position: bool = False


@attrs.frozen
class EngineSection:
    max_clock_skew_ms: int = attrs.field(default=1000, validator=_ints(0, 60_000, "ms"))
    required_pos_mode: PosMode = PosMode.NET
    # what carries every REST call, on both exchanges
    http_stack: HttpStack = HttpStack.AUTO


@attrs.frozen
class SettingsFile:
    """The TOML settings file; every key is optional."""

    venue: Venue | None = None
    runs_dir: Path | None = None
    state_path: Path | None = None
    symbols: tuple[str, ...] | None = attrs.field(default=None, validator=_symbols)
    # exit-3 results are POSTed here as JSON (entrypoints/alerts.py)
    alert_webhook_url: str | None = attrs.field(default=None, validator=_url("http", "https"))
    okx: OkxSection = attrs.field(factory=OkxSection)
    binance: BinanceSection = attrs.field(factory=BinanceSection)
    engine: EngineSection = attrs.field(factory=EngineSection)
    params: Params = attrs.field(factory=Params)


def _secret_text(_inst: Any, attribute: "attrs.Attribute[Any]", value: str) -> None:
    # the value itself is never shown: it is a secret
    if not value:
        raise ParameterError(attribute.name, "is empty")
    if value != value.strip():
        raise ParameterError(attribute.name, "has leading or trailing whitespace")


@attrs.frozen
class CredentialsFile:
    """An owner-only TOML file with the three OKX API credentials."""

    api_key: str = attrs.field(validator=_secret_text)
    secret: str = attrs.field(validator=_secret_text)
    passphrase: str = attrs.field(validator=_secret_text)


@attrs.frozen
class BinanceCredentialsFile:
    """An owner-only TOML file with a Binance API key and its secret (no passphrase)."""

    api_key: str = attrs.field(validator=_secret_text)
    secret: str = attrs.field(validator=_secret_text)


def _kind(value: object) -> str:
    # floats come only from code (TOML is read with parse_float=Decimal)
    names = {bool: "a boolean", int: "an integer", str: "a string", list: "a list",
             dict: "a table", Decimal: "a number", float: "a binary float"}
    return names.get(type(value), f"a {type(value).__name__}")


def _strict(expected: type, name: str) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _type: Any) -> Any:
        if type(value) is not expected:
            # values are left out: a credentials file holds secrets
            raise ValueError(f"expected {name}, got {_kind(value)}")
        return value
    return hook


def _decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str | int) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"expected a number, got {value!r}") from None
    if isinstance(value, float):
        raise ValueError("expected an exact number (a string or a Decimal), got a binary float")
    raise ValueError(f"expected a number, got {_kind(value)}")


def _path(value: Any, _type: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty path, got {_kind(value)}")
    return Path(value).expanduser()


def _enum_factory(type_: Any) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _type: Any) -> Any:
        for member in type_:
            if member.value == value:
                return member
        names = ", ".join(repr(m.value) for m in type_)
        raise ValueError(f"expected one of {names}, got {value!r}")
    return hook


def _sequence_factory(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(type_: Any) -> Callable[[Any, Any], Any]:
        (item,) = {a for a in type_.__args__ if a is not Ellipsis}

        def hook(value: Any, _type: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                # a lone string would otherwise become a tuple of its letters
                raise ValueError(f"expected a list, got {_kind(value)}")
            items, errors = [], []
            for index, entry in enumerate(value):
                try:
                    items.append(conv.structure(entry, item))
                except Exception as exc:
                    exc.__notes__ = [IterableValidationNote(f"@ index {index}", index, item)]
                    errors.append(exc)
            if errors:
                raise IterableValidationError("a list entry is wrong", errors, type_)
            return tuple(items)
        return hook
    return factory


def _table_factory(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(cls: Any) -> Callable[[Any, Any], Any]:
        inner = make_dict_structure_fn(cls, conv)

        def hook(value: Any, _type: Any) -> Any:
            if not isinstance(value, dict):
                raise ValueError(f"expected a table, got {_kind(value)}")
            return inner(value, _type)
        return hook
    return factory


def _is_homogeneous_tuple(type_: Any) -> bool:
    return getattr(type_, "__origin__", None) is tuple and Ellipsis in type_.__args__


@cache
def make_config_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook_factory(attrs.has, _table_factory(conv))
    conv.register_structure_hook(str, _strict(str, "a string"))
    conv.register_structure_hook(int, _strict(int, "an integer"))
    conv.register_structure_hook(bool, _strict(bool, "true or false"))
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_structure_hook(Path, _path)
    conv.register_structure_hook_factory(lambda t: isinstance(t, type) and
                                         issubclass(t, enum.Enum), _enum_factory)
    conv.register_structure_hook_factory(_is_homogeneous_tuple, _sequence_factory(conv))
    return conv


def structure(document: Any, cls: type[T]) -> T:
    """document as cls, or ConfigProblem listing every problem by dotted key."""
    try:
        return make_config_converter().structure(document, cls)
    except cattrs.BaseValidationError as exc:
        raise ConfigProblem(list(_problems(exc, ""))) from None
    except (ParameterError, ValueError, TypeError) as exc:
        raise ConfigProblem(list(_leaf(exc, ""))) from None


def _join(path: str, key: str) -> str:
    if key.startswith("["):
        return path + key
    return f"{path}.{key}" if path else key


def _problems(exc: BaseException, path: str) -> Iterator[str]:
    if isinstance(exc, cattrs.BaseValidationError):
        with_notes, without = exc.group_exceptions()  # type: ignore[attr-defined]
        for sub, note in with_notes:
            where = f"[{note.index}]" if isinstance(exc, IterableValidationError) else note.name
            yield from _problems(sub, _join(path, str(where)))
        for sub in without:
            yield from _problems(sub, path)
        return
    yield from _leaf(exc, path)


def _leaf(exc: BaseException, path: str) -> Iterator[str]:
    if isinstance(exc, ForbiddenExtraKeysError):
        known = ", ".join(a.name for a in attrs.fields(exc.cl)) or "none"
        for key in sorted(exc.extra_fields):
            yield f"{_join(path, key)}: unknown key (known here: {known})"
    elif isinstance(exc, ParameterError):
        yield f"{_join(path, exc.key)}: {exc.problem}"
    elif isinstance(exc, KeyError):
        yield f"{path or exc.args[0]}: required"
    else:
        yield f"{path or '<root>'}: {exc}"


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document at path (floats read as exact Decimals), or ConfigProblem."""
    try:
        text = path.read_bytes().decode("utf-8")
        return tomllib.loads(text, parse_float=Decimal)
    except FileNotFoundError:
        raise ConfigProblem(["does not exist"]) from None
    except IsADirectoryError:
        raise ConfigProblem(["is a directory, not a file"]) from None
    except OSError as exc:
        raise ConfigProblem([f"cannot be read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigProblem([f"is not UTF-8 text (byte {exc.start})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigProblem([f"is not valid TOML: {exc}"]) from None
