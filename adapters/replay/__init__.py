"""The recorded-replay exchange: a run directory's REST answers served back to the engine."""

from adapters.replay.clock import ReplayClock
from adapters.replay.matching import Divergence, Matcher
from adapters.replay.recording import RecordedCall, Recording, UnusableRun, load_recording
from adapters.replay.transport import ReplayTransport

__all__ = ["Divergence", "Matcher", "RecordedCall", "Recording", "ReplayClock",
           "ReplayTransport", "UnusableRun", "load_recording"]
