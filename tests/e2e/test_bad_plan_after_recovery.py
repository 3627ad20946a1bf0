"""An invalid open is refused as bad input before anything of it is sent, on both venues
(issue 12): what needs no exchange read is refused before the recovery the command starts
with; what needs the market (instrument, mark, book) is refused right after those reads, and
when that recovery had to act first the outcome says both (exit 2, or 3 when the recovery
needs attention). Every check reads the simulator, not the engine's memory."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from application.open_position import OpenPositionCommand
from domain.errors import InvalidIntent
from domain.orders import PositionSide
from domain.state import SymbolState
from entrypoints import commands
from entrypoints.exit_codes import ExitCode
from entrypoints.results import PositionResult
from entrypoints.settings import Settings
from tests.e2e.binance_harness import binance_world
from tests.e2e.harness import world

D = Decimal


@attrs.frozen
class Venue:
    settings: Settings
    symbol: str
    lot: str
    sim: Any

    def live_algos(self) -> list[Any]:
        return [a for a in self.sim.core.state.live_algos.get(self.symbol, {}).values()]

    def entries(self) -> list[Any]:
        return [o for o in self.sim.core.state.orders.values()
                if o.cl_ord_id.startswith("pxEN")]

    def unknown_long(self) -> None:
        """A long the engine never saw and no stop: the recovery must act on it."""
        (item,) = self.sim.core.place_orders([{"instId": self.symbol, "tdMode": "cross",
                                               "side": "buy", "ordType": "market",
                                               "sz": self.lot}])
        assert item["sCode"] == "0", item

    def long(self, stop: str, tp1: str, tp2: str, intent: str = "badplan1") -> OpenPositionCommand:
        lot = D(self.lot)
        return OpenPositionCommand.of(self.symbol, PositionSide.LONG, lot * 10, D(stop),
                                      D(tp1), lot * 4, D(tp2), lot * 3, intent)


@contextmanager
def venue(name: str, tmp: Path) -> Iterator[Venue]:
    if name == "okx":
        with world(tmp) as w:
            yield Venue(w.settings, "BTC-USDT-SWAP", "1", w.sim)
    else:
        with binance_world(tmp, virtual=False, venue="binance-testnet") as b:
            yield Venue(b.settings, "BTCUSDC", "0.001", b.sim)


@pytest.mark.parametrize("name", ["okx", "binance"])
def test_plan_refused_by_the_market_after_recovery_acted_says_both(name: str,
                                                                    tmp_path: Path) -> None:
    with venue(name, tmp_path) as v:
        v.unknown_long()
        # ordered on its own, but the stop is above the mark (30000): needs the market to see
        result = commands.open_position(v.settings, v.long("31000", "32000", "33000"))
        assert isinstance(result, PositionResult)
        assert result.exit_code is ExitCode.BAD_INPUT
        assert result.status == "refused_bad_input"
        assert "plan must order" in result.reason and "nothing of this open" in result.reason
        (recovered,) = result.recovery
        assert recovered.symbol == v.symbol
        assert any("default stop" in a for a in recovered.actions)
        # the exchange: the recovery's stop protects the unknown long; no entry was sent
        assert len(v.live_algos()) == 1
        assert v.entries() == []


@pytest.mark.parametrize("name", ["okx", "binance"])
def test_plan_refused_on_its_own_before_the_recovery_sends_anything(name: str,
                                                                     tmp_path: Path) -> None:
    with venue(name, tmp_path) as v:
        v.unknown_long()
        before = len(v.sim.core.state.orders)
        # TP1 below the stop of a long: wrong whatever the market
        with pytest.raises(InvalidIntent, match="plan must order"):
            commands.open_position(v.settings, v.long("29000", "28000", "33000"))
        # nothing left: not the recovery's stop, not an entry
        assert v.live_algos() == []
        assert len(v.sim.core.state.orders) == before


@pytest.mark.parametrize("name", ["okx", "binance"])
def test_plan_refused_by_the_market_with_nothing_to_recover_is_plain_bad_input(
        name: str, tmp_path: Path) -> None:
    with venue(name, tmp_path) as v:
        with pytest.raises(InvalidIntent, match="plan must order"):
            commands.open_position(v.settings, v.long("31000", "32000", "33000"))
        assert v.live_algos() == [] and v.entries() == []


@pytest.mark.parametrize(("attention", "code"), [(False, ExitCode.BAD_INPUT),
                                                 (True, ExitCode.NEEDS_ATTENTION)])
def test_the_worse_of_the_two_outcomes_is_the_exit_code(attention: bool, code: ExitCode,
                                                        tmp_path: Path) -> None:
    with venue("okx", tmp_path) as v:
        handed = commands.open_handed(v.settings, v.long("31000", "32000", "33000"))
        refused = commands.RefusedAfterRecovery("the plan is wrong", SymbolState(v.symbol),
                                               attention)
        result = commands._refused_after_recovery(v.settings, handed, refused, (),
                                                  tmp_path / "run")
        assert isinstance(result, PositionResult)
        assert result.exit_code is code and result.status == "refused_bad_input"
        assert result.intent_id == "badplan1"
        assert result.reason.startswith("the plan is wrong; nothing of this open was sent")
