"""Signed list reads that OKX pages at 100 items, followed with the `after` cursor."""

from collections.abc import Callable, Mapping
from typing import TypeVar

from adapters.okx.converter import structure_all
from adapters.okx.rest import OkxRest
from domain.evidence import EvidenceRef
from ports.errors import ExchangeProtocolError

T = TypeVar("T")
PAGE = 100
# OKX caps pending orders at 500 per instrument: more pages than this means a cursor loop
MAX_PAGES = 20


async def read_all(rest: OkxRest, path: str, params: Mapping[str, str], cls: type[T],
                   cursor: Callable[[T], str]) -> tuple[list[tuple[T, EvidenceRef]], EvidenceRef]:
    """Every item of every page with the evidence of its page, and the last page's evidence."""
    found: list[tuple[T, EvidenceRef]] = []
    after = ""
    for _ in range(MAX_PAGES):
        page = {**params, "limit": str(PAGE)} | ({"after": after} if after else {})
        answer = await rest.read("GET", path, params=page, signed=True)
        items = structure_all(answer.items, cls, answer.evidence)
        found.extend((item, answer.evidence) for item in items)
        if len(items) < PAGE:
            return found, answer.evidence
        after = cursor(items[-1])
    raise ExchangeProtocolError(f"{path}: still more after {MAX_PAGES} pages", answer.evidence)
