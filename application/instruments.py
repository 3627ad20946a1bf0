"""Instrument specs, fetched from the exchange once per use-case run."""

from domain.errors import InvalidIntent
from domain.instrument import InstrumentSpec
from ports.exchange_types import Instruments
from ports.market import MarketData


class InstrumentBook:
    def __init__(self, market: MarketData) -> None:
        self._market = market
        self._found: Instruments | None = None
        self._specs: dict[str, InstrumentSpec] | None = None

    async def spec(self, symbol: str, *, live: bool = False) -> InstrumentSpec:
        """The exchange's spec for symbol; InvalidIntent when it is unknown (or not live)."""
        if self._found is None or self._specs is None:
            self._found = await self._market.get_instruments()
            self._specs = {i.inst_id: i for i in self._found.instruments}
        spec = self._specs.get(symbol)
        if spec is None:
            raise InvalidIntent(self._found.missing(symbol))
        if live and not spec.is_live:
            raise InvalidIntent(f"{symbol} is {spec.state}, not live")
        return spec
