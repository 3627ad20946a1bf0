"""The replay a command runs under, if any (`prometheus-exec replay`, the replay fixture).

While one is active the CLI takes the recorded settings and generated inputs instead of
reading them afresh, and the lifecycle builds the container on venue `replay`: the recorded
answers (adapters/replay) behind the recorded venue's own adapter, on the recording's clock.
A module global, like the run scope: one command per process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:  # the CLI imports this module; the adapters load only when a replay runs
    from adapters.replay import Matcher, Recording, ReplayClock, ReplayTransport, WsReplay
    from entrypoints.settings import Settings


@attrs.define
class ReplayContext:
    recording: Recording
    settings: Settings  # as recorded, with a fresh runs_dir and state_path
    matcher: Matcher
    clock: ReplayClock
    transport: ReplayTransport
    ws: WsReplay

    def finish(self) -> Any:
        """The first divergence (by chain position when both sides left something), or None."""
        rest, frames = self.matcher.first_pending_seq(), self.ws.first_unsent_seq()
        if frames is not None and (rest is None or frames < rest):
            self.ws.finish()
        self.matcher.finish()
        return self.ws.finish()

    @property
    def inputs(self) -> Mapping[str, Any]:
        value = self.recording.manifest.get("inputs")
        return value if isinstance(value, Mapping) else {}

    @property
    def runs_dir(self) -> Path:
        return self.settings.runs_dir


_current: ReplayContext | None = None


def active_replay() -> ReplayContext | None:
    return _current


@contextlib.contextmanager
def replaying(context: ReplayContext) -> Iterator[ReplayContext]:
    global _current
    outer, _current = _current, context
    try:
        yield context
    finally:
        _current = outer


REPLAY_REST_URL, REPLAY_WS_URL = "http://replay.invalid", "ws://replay.invalid"
# the venue whose container section the recorded exchange's adapter is built from: the host
# checks of a live venue do not apply to a recording, and nothing leaves this process
STAND_IN = {"okx": "okx-demo", "binance": "binance-testnet"}


def replay_container(replay: ReplayContext, run_prefix: str,
                     labels: dict[str, Any]) -> Any:
    """The container on venue `replay`: the recorded exchange's adapter over the recording."""
    from entrypoints.container import build_container, container_config
    from entrypoints.di import providers

    settings = replay.settings
    exchange = settings.exchange
    stand_in = attrs.evolve(settings, venue=STAND_IN[exchange])
    config = container_config(stand_in, run_prefix=run_prefix, labels=labels,
                              rest_url=REPLAY_REST_URL, ws_url=REPLAY_WS_URL,
                              credentials=_throwaway(exchange))
    config["venue"] = "replay"
    config["replay"] = {"exchange": exchange}
    container = build_container(config)
    container.core.clock.override(providers.Object(replay.clock))
    # the replayed run lives in a scratch directory removed afterwards: its durability buys
    # nothing, and fsync was over a third of a replayed command's time (cProfile)
    sink: Any = container.adapters.sink
    sink.add_kwargs(fsync=_no_fsync)
    venue: Any = container.adapters.okx if exchange == "okx" else container.adapters.binance
    venue.transport.override(providers.Object(replay.transport))
    venue.connector.override(providers.Object(replay.ws.connect))
    return container


def _no_fsync(fd: int) -> None:
    return None


def _throwaway(exchange: str) -> Any:
    """Keys to sign with (the recording's signatures are never compared)."""
    import secrets

    from adapters.binance import BinanceCredentials
    from adapters.okx import OkxCredentials

    key, secret = secrets.token_hex(8), secrets.token_hex(16)
    if exchange == "binance":
        return BinanceCredentials(key, secret)
    return OkxCredentials(key, secret, secrets.token_hex(6))
