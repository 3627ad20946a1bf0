"""Raw ASGI helpers both faces' REST gateways use: reading a body, losing a response."""

import asyncio
import contextlib
import socket
import struct
from typing import Any

from simulator.faults import Fault


async def read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)



async def drop(fault: Fault, receive: Any, send: Any) -> None:
    """Lose the response: hold it (mode timeout) and/or reset the TCP connection."""
    if fault.params["mode"] == "timeout":
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until_disconnect(receive), float(str(fault.params["hold_s"])))
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # linger 0: the close sends RST ("reset by peer")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await asyncio.sleep(0)


async def until_disconnect(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
