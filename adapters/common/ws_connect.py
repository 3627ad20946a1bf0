"""websockets' client connect(), imported by the first connection a stream opens.

The venues' stream objects are built with every adapter, but a read-only command (status)
never connects one: importing websockets at module level was ~10 ms of its start (issue 14
P3). The call and its result are websockets' own (usable with `async with`)."""

from typing import Any


def websockets_connect(*args: Any, **kwargs: Any) -> Any:
    from websockets.asyncio.client import connect

    return connect(*args, **kwargs)
