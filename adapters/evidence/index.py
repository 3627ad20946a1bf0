"""m_execution_raw_index.json: each shard's seq range and last hash, read strictly.

The index is our own file, so it is read through the strict converter (a string where a number
belongs, a missing field, a negative count are refused, naming the field). Unknown keys are
passed over: the raw log is under seed 000 §8's freeze, which lets later versions add fields.
"""

import functools
import json
from pathlib import Path
from typing import Any

import attrs
from cattrs import BaseValidationError, transform_error
from cattrs.preconf.json import JsonConverter
from cattrs.v import format_exception

from adapters.state.converter import make_state_converter

INDEX_NAME = "m_execution_raw_index.json"
INDEX_SCHEMA_VERSION = 1


def _non_negative(_: Any, attribute: "attrs.Attribute[int]", value: int) -> None:
    if value < -1 or (value < 0 and attribute.name != "last_seq"):
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


@attrs.frozen
class ShardEntry:
    name: str
    first_seq: int = attrs.field(validator=_non_negative)
    last_seq: int = attrs.field(validator=_non_negative)  # -1 while the shard is empty
    records: int = attrs.field(validator=_non_negative)
    bytes: int = attrs.field(validator=_non_negative)
    last_hash: str


@attrs.frozen
class RawIndex:
    contract_version: str
    labels: dict[str, Any]
    schema_version: int
    updated_ms: int
    genesis_hash: str
    records: int = attrs.field(validator=_non_negative)
    last_seq: int = attrs.field(validator=_non_negative)
    last_hash: str
    shards: tuple[ShardEntry, ...]


class IndexUnreadable(ValueError):
    """The index exists but does not say what the engine writes; the message names the field."""


@functools.cache
def index_converter() -> JsonConverter:
    return make_state_converter(forbid_extra_keys=False)


def encode_index(index: RawIndex) -> bytes:
    document = index_converter().unstructure(index)
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def read_index(run_dir: Path) -> RawIndex | None:
    """The run's index; None when there is none yet (a crash before the first flush)."""
    path = run_dir / INDEX_NAME
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_bytes())
    except ValueError as exc:
        raise IndexUnreadable(f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise IndexUnreadable(f"$ is a JSON {type(raw).__name__}, expected an object")
    if raw.get("schema_version") != INDEX_SCHEMA_VERSION:
        raise IndexUnreadable(f"$.schema_version is {raw.get('schema_version')!r}; this "
                              f"program reads {INDEX_SCHEMA_VERSION}")
    try:
        index: RawIndex = index_converter().structure(raw, RawIndex)
    except BaseValidationError as exc:
        raise IndexUnreadable("; ".join(transform_error(exc, format_exception=_say))) from None
    return index


def _say(exc: BaseException, type_: type | None) -> str:
    # our hooks and validators already say what was expected and what came instead
    if isinstance(exc, TypeError | ValueError) and not isinstance(exc, BaseValidationError):
        return str(exc)
    return format_exception(exc, type_)
