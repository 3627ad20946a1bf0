"""`prometheus-exec replay RUN_DIR`: run the recorded command again against its recording.

The command and its arguments, settings and parameters come from the run's manifest; every
REST answer and WS frame from its raw records (adapters/replay), in a scratch directory whose
state store starts as the recorded command found it (the manifest's state_at_start). Exit 0
reproduced (every recorded call made, none other, and the same outcome), 1 diverged (the first
divergence, naming the record), 2 the directory cannot be replayed.
"""

import contextlib
import io
import json
import re
import tempfile
import typing
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from adapters.replay import (
    ListenKeyStandIns,
    Matcher,
    Recording,
    ReplayClock,
    ReplayTransport,
    UnusableRun,
    WsReplay,
    load_recording,
)
from domain.params import Params
from entrypoints.config_file import BinanceSection, ConfigProblem, structure
from entrypoints.replay_context import ReplayContext, replay_container, replaying
from entrypoints.settings import VENUES, Settings

REPRODUCED, DIVERGED, UNUSABLE = 0, 1, 2
EXIT_NAMES = {REPRODUCED: "REPRODUCED", DIVERGED: "DIVERGED", UNUSABLE: "UNUSABLE"}
# commands whose runs are replayed (verify, replay and sim make no run of their own)
REPLAYABLE = ("probe", "selfcheck", "open", "close", "manage", "regime", "recover", "watch",
              "status")
RUN_DIR_MARK = "<run_dir>"
# The records hold when each request left and its answer came back, not how long the engine
# then worked before its next clock reading; a deadline decided within that time ("is there
# time for one more poll?") goes the other way in a replay that assumes none. Such a replay
# is run again assuming that much work after every answer, and the first that reproduces
# says so; if none does, the divergence reported is the one that assumed nothing.
ENGINE_WORK_S = (0.0, 0.0005, 0.001, 0.002)
DURATION = re.compile(r"[-+±]?\b\d+(\.\d+)? ?(ms|s)\b")
EPOCH_MS_FLOOR = 10**12  # 2001-09-09 in ms
EPOCH_S_FLOOR = 10**9  # 2001-09-09 in s: smaller integers are counts, not times
CLOCK_SLACK_MS = 1000


@attrs.frozen
class Replayed:
    recording: Recording
    matcher: Matcher
    inner_exit: int
    outcome: Mapping[str, Any] | None
    work_s: float = 0.0
    ws_connections: int = 0
    ws_sent: int = 0
    ws_read: int = 0
    events: Any = None  # the event log lines the replayed command appended

    @property
    def reproduced(self) -> bool:
        return self.matcher.divergence is None and same_outcome(
            self.recording.outcome, self.outcome) and self.same_events

    @property
    def same_events(self) -> bool:
        """The same event log lines appended (times within the engine's own work), when the
        recording kept them (runs recorded before manifests kept the event log did not)."""
        recorded = _appended(self.recording.manifest)
        return recorded is None or _same(recorded, self.events)


def replay_run(run_dir: Path) -> tuple[int, dict[str, Any], str]:
    """(exit code, the --json payload, the human text)."""
    try:
        _not_a_day(run_dir)
        recording = load_recording(run_dir)
        command = _replayable(recording)
        attempts: list[Replayed] = []
        for work_s in ENGINE_WORK_S:
            with tempfile.TemporaryDirectory(prefix="prometheus-replay-") as scratch:
                attempts.append(_rerun(recording, Path(scratch), work_s))
            if attempts[-1].reproduced:
                break
        # none reproduced: the divergence with nothing assumed of the engine's speed
        replayed = attempts[-1] if attempts[-1].reproduced else attempts[0]
    except UnusableRun as exc:
        payload = {"command": "replay", "run_dir": str(run_dir), "error": str(exc),
                   "exit_code": UNUSABLE, "exit": EXIT_NAMES[UNUSABLE]}
        return UNUSABLE, payload, f"error: {exc}"
    return _report(run_dir, command, replayed)


def _not_a_day(run_dir: Path) -> None:
    """A day directory of reads holds one run per status/selfcheck call: name them."""
    from entrypoints import reads_day

    if run_dir.is_dir() and reads_day.is_day(run_dir):
        runs = sorted(p.name for p in run_dir.iterdir() if (p / "run_manifest.json").is_file())
        shown = ", ".join(runs[:3]) + (f" (and {len(runs) - 3} more)" if len(runs) > 3 else "")
        raise UnusableRun(f"{run_dir} is a day directory of reads, one run per call: replay "
                          f"one of them ({run_dir}/<run>): {shown or 'none finished yet'}")


def _replayable(recording: Recording) -> str:
    argv = recording.argv
    if not argv:
        raise UnusableRun(f"{recording.run_dir}: its manifest records no command line")
    if recording.outcome is None:
        raise UnusableRun(f"{recording.run_dir}: the run did not finish (its manifest has no "
                          "outcome to compare with)")
    command = str(recording.manifest.get("command") or argv[0])
    if command not in REPLAYABLE:
        raise UnusableRun(f"{recording.run_dir}: command {command!r} cannot be replayed")
    return command


def replay_context(recording: Recording, scratch: Path, work_s: float = 0.0) -> ReplayContext:
    """A fresh replay of recording: runs and state go under scratch (an existing directory);
    work_s: how long the engine's own work after each answer is taken to be."""
    runs = scratch / "runs"
    runs.mkdir(mode=0o700, exist_ok=True)
    state = scratch / "state" / "state.json"
    settings = settings_from_manifest(recording.manifest, runs, state)
    _seed_state(recording.manifest.get("state_at_start"), state)
    matcher = Matcher(recording.calls)
    clock = ReplayClock(*_start(recording), matcher.next_call, work_s=work_s)
    keys = ListenKeyStandIns()  # shared: REST hands them out, the WS replay checks their use
    ws = WsReplay(recording.frames, matcher, clock, keys)
    clock.stalled = ws.stalled
    return ReplayContext(recording, settings, matcher, clock,
                         ReplayTransport(matcher, clock, keys), ws)


def _seed_state(document: Any, state: Path) -> None:
    """The store as the recorded command found it (the manifest keeps it), else empty."""
    if not isinstance(document, Mapping):
        return
    state.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    state.write_bytes(json.dumps(document).encode())
    state.chmod(0o600)


def _start(recording: Recording) -> tuple[int, float]:
    """The replay's clock starts where the recorded engine sent its first request: the
    engine reads the time just before sending (the request's own timestamp, a clock-offset
    sample), and its start-up work before that is not in the records."""
    if recording.calls:
        return recording.calls[0].wall_ms, recording.calls[0].mono_s
    return recording.start_wall_ms, recording.start_mono_s


@contextlib.contextmanager
def replayed_container(run_dir: Path, scratch: Path,
                       run_prefix: str = "replay") -> Iterator[tuple[Any, ReplayContext]]:
    """For tests and embedders: (a container whose exchange is the recorded run, the replay).
    Run use-cases on it with entrypoints.lifecycle.run; `context.matcher.finish()` then says
    whether every recorded call was made and nothing else (None) or the first divergence."""
    context = replay_context(load_recording(run_dir), scratch)
    with replaying(context):
        yield replay_container(context, run_prefix, {}), context


def _rerun(recording: Recording, scratch: Path, work_s: float) -> Replayed:
    from typer.main import get_command

    from entrypoints.cli import app  # the CLI imports this module for its replay command

    context = replay_context(recording, scratch, work_s)
    sink = io.StringIO()
    with replaying(context), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = get_command(app).main(args=list(recording.argv or ()), standalone_mode=False)
    context.finish()
    ws = context.ws
    manifest = _replayed_manifest(context.runs_dir)
    outcome = manifest.get("outcome")
    return Replayed(recording, context.matcher, int(code or 0),
                    outcome if isinstance(outcome, Mapping) else None, work_s,
                    ws.connections, ws.sent, ws.read, _appended(manifest))


def _replayed_manifest(runs: Path) -> Mapping[str, Any]:
    for manifest in sorted(runs.glob("*/run_manifest.json")):
        value = json.loads(manifest.read_bytes())
        return value if isinstance(value, Mapping) else {}
    return {}


def _appended(manifest: Mapping[str, Any]) -> list[Any] | None:
    span = manifest.get("state_events")
    appended = span.get("appended") if isinstance(span, Mapping) else None
    return appended if isinstance(appended, list) else None


def settings_from_manifest(manifest: Mapping[str, Any], runs_dir: Path,
                           state_path: Path) -> Settings:
    """The recorded settings and parameters, with this replay's own runs and state."""
    recorded = manifest.get("settings")
    if not isinstance(recorded, Mapping) or recorded.get("venue") not in VENUES:
        raise UnusableRun("the manifest's settings name no known venue")
    symbols = recorded.get("symbols")
    if not isinstance(symbols, list) or not symbols:
        raise UnusableRun("the manifest's settings name no symbols")
    binance = {k: recorded[k] for k in ("margin_asset", "recv_window_ms",
                                        "stop_close_position") if recorded.get(k) is not None}
    return Settings(
        venue=str(recorded["venue"]), rest_url=None, ws_url=None,
        td_mode=str(recorded.get("td_mode") or "cross"),
        write_deadline_ms=int(recorded.get("write_deadline_ms") or 5000), credentials=None,
        runs_dir=runs_dir, state_path=state_path, symbols=tuple(str(s) for s in symbols),
        params=params_from(manifest.get("params")),
        binance=attrs.evolve(BinanceSection(), **binance))


def params_from(described: Any) -> Params:
    """Params from the manifest's dotted (key, text) pairs; refused unless they describe back
    to exactly what was recorded."""
    if not isinstance(described, Mapping):
        raise UnusableRun("the manifest records no parameters")
    tree: dict[str, Any] = {}
    for key, text in described.items():
        node = tree
        *parents, leaf = str(key).split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _typed(Params, str(key).split("."), str(text))
    try:
        params = structure(tree, Params)
    except (ConfigProblem, ValueError, TypeError) as exc:
        raise UnusableRun(f"the manifest's parameters cannot be read back: {exc}") from None
    if dict(params.describe()) != {str(k): str(v) for k, v in described.items()}:
        raise UnusableRun("the manifest's parameters are not all this engine's parameters")
    return params


def _typed(section: type, path: list[str], text: str) -> Any:
    """The text as the type the field at path declares (as the settings file would give it)."""
    kind: Any = section
    for name in path:
        fields = attrs.fields_dict(kind) if attrs.has(kind) else {}
        if name not in fields:
            return text  # the converter names the unknown key
        kind = typing.get_type_hints(kind).get(name, str)
    if kind is int:
        return int(text) if text.lstrip("-").isdigit() else text
    if kind is bool:
        return text == "True"
    if kind is Decimal:
        return Decimal(text)
    return text


def normalized(outcome: Mapping[str, Any] | None) -> Any:
    """The outcome with its own run directory's path and the durations it measured replaced:
    each run has its own directory, and a replay moves the clock only where the recording
    says (a call sent, an answer back, a sleep), not for the engine's own work in between."""
    if outcome is None:
        return None
    run_dir = outcome.get("run_dir")

    def clean(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: RUN_DIR_MARK if k == "run_dir" else clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            if isinstance(run_dir, str) and run_dir:
                value = value.replace(run_dir, RUN_DIR_MARK)
            return DURATION.sub("<duration>", value)
        return value
    return clean(outcome)


def same_outcome(recorded: Mapping[str, Any] | None,
                 replayed: Mapping[str, Any] | None) -> bool:
    return _same(normalized(recorded), normalized(replayed))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if _epoch(a) and _epoch(b):
        # a time the engine computed from its own clock (a lock's end, in ms or s): the same
        # decision lands within the engine's own work between two calls of the recording
        return bool(abs(a - b) <= (CLOCK_SLACK_MS if a >= EPOCH_MS_FLOOR
                                   else CLOCK_SLACK_MS // 1000))
    return bool(a == b and type(a) is type(b))


def _epoch(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= EPOCH_S_FLOOR


def _report(run_dir: Path, command: str, replayed: Replayed) -> tuple[int, dict[str, Any], str]:
    recording, matcher = replayed.recording, replayed.matcher
    divergence = matcher.divergence
    same = same_outcome(recording.outcome, replayed.outcome)
    code = REPRODUCED if divergence is None and same and replayed.same_events else DIVERGED
    work_ms = round(replayed.work_s * 1000, 3)
    payload: dict[str, Any] = {
        "command": "replay", "run_dir": str(run_dir), "replayed": command,
        "argv": recording.argv, "records": recording.records,
        "recorded_calls": len(recording.calls), "matched_calls": matcher.matched,
        "ws_connections": replayed.ws_connections, "ws_frames_sent": replayed.ws_sent,
        "ws_frames_read": replayed.ws_read,
        "divergence": divergence.describe() if divergence is not None else None,
        "outcome_identical": same, "state_events_identical": replayed.same_events,
        "engine_work_ms": work_ms,
        "recorded_outcome": None if same else recording.outcome,
        "replayed_outcome": None if same else replayed.outcome,
        "exit_code": code, "exit": EXIT_NAMES[code]}
    if code == REPRODUCED:
        frames = (f", sent the same {replayed.ws_sent} WS frames on "
                  f"{replayed.ws_connections} connections" if replayed.ws_connections else "")
        assumed = (f" (taking the engine's own work after each answer as {work_ms} ms: the "
                   "records do not hold it)" if work_ms else "")
        human = (f"reproduced: {command} made the same {matcher.matched} exchange calls"
                 f"{frames} and the same outcome (exit {replayed.inner_exit}) as {run_dir}"
                 f"{assumed}")
    elif divergence is not None:
        human = f"diverged: {divergence}"
    elif same:
        human = (f"diverged: every exchange call and the outcome matched, but the event log "
                 f"lines differ: recorded {json.dumps(_appended(recording.manifest))}, "
                 f"replayed {json.dumps(replayed.events)}")
    else:
        human = (f"diverged: every exchange call matched, but the outcome differs: recorded "
                 f"{json.dumps(recording.outcome, sort_keys=True)}, replayed "
                 f"{json.dumps(replayed.outcome, sort_keys=True)}")
    return code, payload, human
