"""One lock around the core: REST handlers, WS pushes and test code run in different threads."""

import functools
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from simulator.core.state import ExchangeState

P = ParamSpec("P")
R = TypeVar("R")


class Locked(Protocol):
    _lock: threading.RLock
    state: ExchangeState

    def _sync(self) -> None: ...


def locked(method: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
    """Run the method under the core's lock, after the market has caught up with the clock."""

    def wrapper(core: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with core._lock:
            core._sync()
            return method(core, *args, **kwargs)

    functools.update_wrapper(wrapper, method)
    return wrapper
