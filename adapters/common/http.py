"""One HTTP exchange as the adapters see it: send on a keep-alive httpx client, read the body
with a size cap, parse JSON, and describe the answer for the evidence record.

Nothing here judges the answer: each venue's errors.py maps a Reply to its outcomes.
"""

import json
from typing import Any

import attrs
import httpx

# An exchange's largest answers (every instrument, 1,500 klines) are well under 1 MiB
MAX_BODY = 16 * 1024 * 1024
# how much of a non-JSON body the evidence keeps
MAX_TEXT = 2000


@attrs.frozen
class Reply:
    """What came back for one HTTP request; failure is set when nothing did."""

    http_status: int | None
    payload: Any
    text: str
    failure: str | None = None
    headers: httpx.Headers | None = None

    def header(self, name: str) -> str | None:
        return None if self.headers is None else self.headers.get(name)


async def send(client: httpx.AsyncClient, request: httpx.Request) -> Reply:
    """Send once; a transport failure or timeout becomes a Reply with failure set."""
    try:
        response = await client.send(request, stream=True)
        try:
            content = await _read_capped(response)
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        return Reply(None, None, "", "timeout")
    except httpx.HTTPError as exc:
        return Reply(None, None, "", f"transport:{type(exc).__name__}")
    if content is None:
        # an answer, but not one we read: a protocol error for a read, Unknown for a write
        return Reply(response.status_code, None, f"<body larger than {MAX_BODY} bytes>",
                     headers=response.headers)
    try:
        payload = json.loads(content)
    except ValueError:
        return Reply(response.status_code, None, content.decode("utf-8", "replace"),
                     headers=response.headers)
    return Reply(response.status_code, payload, "", headers=response.headers)


async def _read_capped(response: httpx.Response) -> bytes | None:
    """The body, or None once it passes MAX_BODY (so a runaway answer cannot exhaust memory)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def response_doc(reply: Reply, elapsed_ms: float,
                 headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The response half of an evidence record (headers: the few worth keeping)."""
    if reply.failure is not None:
        return {"http_status": None, "error": reply.failure, "elapsed_ms": round(elapsed_ms, 3)}
    body = reply.payload if reply.payload is not None else reply.text[:MAX_TEXT]
    doc = {"http_status": reply.http_status, "body": body, "elapsed_ms": round(elapsed_ms, 3)}
    if headers:
        doc["headers"] = headers
    return doc
