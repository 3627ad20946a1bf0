"""A run directory read back as a recording: its manifest and every REST call it made, in
chain order.

Only calls that reached the wire are replayed; a request the engine decided against
(`sent: false`) is evidence the engine writes again by itself.
"""

import contextlib
import gc
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

from adapters.evidence.chain import list_shards
from adapters.evidence.manifest import MANIFEST_NAME
from adapters.evidence.schemas import KNOWN_CONTRACTS

WS_KINDS = ("ws_in", "ws_out", "ws_state")


class UnusableRun(ValueError):
    """The directory cannot be replayed (not a run, unreadable, unknown contract)."""


@attrs.frozen
class RecordedCall:
    """One REST request as it left, and what came back (or how it failed)."""

    seq: int
    shard: str
    method: str
    path: str
    params: Mapping[str, Any]  # query and form/JSON fields as the venue recorded them
    body: Any  # the JSON body (OKX); None when the venue records fields in params
    response: Mapping[str, Any]
    wall_ms: int
    mono_s: float
    # from send to answer (or failure), as recorded (read from response when not given)
    elapsed_s: float = attrs.field(
        default=attrs.Factory(lambda call: _elapsed_s(call.response), takes_self=True))

    def where(self) -> str:
        return f"{self.shard} seq {self.seq}"


@attrs.frozen
class RecordedFrame:
    """One WS record: a frame sent (ws_out) or read (ws_in), or a connection state."""

    seq: int
    shard: str
    kind: str
    path: str  # the URL's path: the connection it belongs to (hosts differ in a replay)
    frame: Any  # ws_in / ws_out: the frame as recorded (credentials redacted)
    state: str  # ws_state: connecting, connected, subscribed, disconnected, pong_timeout
    detail: str
    wall_ms: int
    mono_s: float

    def where(self) -> str:
        return f"{self.shard} seq {self.seq}"


@attrs.frozen
class Recording:
    run_dir: Path
    manifest: Mapping[str, Any]
    calls: tuple[RecordedCall, ...]
    ws_records: int
    start_wall_ms: int
    start_mono_s: float
    records: int  # every record of the chain, replayed or not
    frames: tuple[RecordedFrame, ...] = ()

    @property
    def outcome(self) -> Mapping[str, Any] | None:
        value = self.manifest.get("outcome")
        return value if isinstance(value, Mapping) else None

    @property
    def argv(self) -> list[str] | None:
        value = self.manifest.get("argv")
        return [str(a) for a in value] if isinstance(value, list) else None


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Every record read stays alive until the replay ends: while they are read (and keyed
    for matching) the cyclic collector would walk the growing heap again and again while
    nothing can be garbage yet (half the load time of a 20,000-call run)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def load_recording(run_dir: Path) -> Recording:
    """Read run_dir or raise UnusableRun saying why."""
    with gc_paused():
        return _load(run_dir)


def _load(run_dir: Path) -> Recording:
    if not run_dir.is_dir():
        what = "does not exist" if not run_dir.exists() else "is not a directory"
        raise UnusableRun(f"RUN_DIR {run_dir} {what}")
    shards = list_shards(run_dir)
    if not shards or not (run_dir / MANIFEST_NAME).is_file():
        raise UnusableRun(f"RUN_DIR {run_dir} is not a run directory: it has no "
                          f"{MANIFEST_NAME} and raw evidence shards")
    manifest = _json_file(run_dir / MANIFEST_NAME)
    contract = manifest.get("contract_version")
    if contract not in KNOWN_CONTRACTS:
        raise UnusableRun(f"{run_dir} was written under contract_version {contract!r}; this "
                          f"engine knows {', '.join(KNOWN_CONTRACTS)}: replay it with an "
                          "engine that does")
    calls: list[RecordedCall] = []
    frames: list[RecordedFrame] = []
    ws = count = 0
    start: tuple[int, float] | None = None
    for _, path in shards:
        shard = path.name
        for record in _records(path):
            count += 1
            if start is None:
                start = (int(record.get("wall_ms", 0)), float(record.get("mono_s", 0.0)))
            kind = record.get("kind")
            if kind == "rest":
                call = _call(record, shard)
                if call is not None:
                    calls.append(call)
            elif kind in WS_KINDS:
                ws += 1
                frames.append(_frame(record, shard))
    if start is None:
        raise UnusableRun(f"RUN_DIR {run_dir} holds no records")
    return Recording(run_dir, manifest, tuple(calls), ws, start[0], start[1], count,
                     tuple(frames))


def _json_file(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UnusableRun(f"{path} cannot be read: {exc}") from None
    if not isinstance(value, dict):
        raise UnusableRun(f"{path} is not a JSON object")
    return value


def _records(path: Path) -> Iterator[dict[str, Any]]:
    """One record at a time: what a call does not keep of it (the request's headers, the
    record's envelope) is freed at once, so parsing the next reuses its memory."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnusableRun(f"{path} cannot be read: {exc.strerror}") from None
    for number, line in enumerate(data.split(b"\n"), 1):
        if not line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise UnusableRun(f"{path.name} line {number} is not a JSON record (a torn or "
                              "edited run: `prometheus-exec verify` tells which)") from None
        if not isinstance(record, dict):
            raise UnusableRun(f"{path.name} line {number} is not a JSON object")
        yield record


def _call(record: dict[str, Any], shard: str) -> RecordedCall | None:
    request, response = record.get("request"), record.get("response")
    if not isinstance(request, dict) or not isinstance(response, dict) \
            or "method" not in request:
        return None  # decided against before sending: nothing went on the wire
    params = request.get("query") if "query" in request else request.get("params")
    return RecordedCall(
        int(record["seq"]), shard, str(request["method"]), str(request.get("path")),
        params if isinstance(params, dict) else {}, request.get("body"), response,
        int(record.get("wall_ms", 0)), float(record.get("mono_s", 0.0)),
        _elapsed_s(response))


def _elapsed_s(response: Mapping[str, Any]) -> float:
    value = response.get("elapsed_ms")
    return float(value) / 1000 if isinstance(value, int | float) else 0.0


def _frame(record: dict[str, Any], shard: str) -> RecordedFrame:
    request, response = record.get("request"), record.get("response")
    request = request if isinstance(request, dict) else {}
    response = response if isinstance(response, dict) else {}
    extra = record.get("extra")
    extra = extra if isinstance(extra, dict) else {}
    url = str(extra.get("url") or str(record.get("endpoint", "")).removeprefix("WS "))
    kind = str(record.get("kind"))
    frame = response.get("frame") if kind == "ws_in" else request.get("frame")
    return RecordedFrame(
        seq=int(record["seq"]), shard=shard, kind=kind, path=urlsplit(url).path or url,
        frame=frame, state=str(request.get("state", "")) if kind == "ws_state" else "",
        detail=str(request.get("detail", "")), wall_ms=int(record.get("wall_ms", 0)),
        mono_s=float(record.get("mono_s", 0.0)))
