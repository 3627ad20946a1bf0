"""The recorded-replay exchange: a run directory's REST answers served back to the engine."""

from adapters.replay.clock import ReplayClock
from adapters.replay.keys import ListenKeyStandIns
from adapters.replay.matching import Divergence, Matcher
from adapters.replay.recording import RecordedCall, Recording, UnusableRun, load_recording
from adapters.replay.transport import ReplayTransport
from adapters.replay.ws import WsReplay

__all__ = ["Divergence", "ListenKeyStandIns", "Matcher", "RecordedCall", "Recording", "ReplayClock",
           "ReplayTransport", "UnusableRun", "WsReplay", "load_recording"]
