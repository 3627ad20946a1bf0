"""OpenPosition's exchange calls on the simulator (issue 14 P2), checked in the simulator's
own request journal and account: one instrument read, set-leverage only when the exchange
holds another leverage, and the position then carrying the tier's leverage."""

from decimal import Decimal
from pathlib import Path
from typing import Any

from application.open_position import OpenPositionCommand
from domain.orders import PositionSide
from domain.params import Params
from entrypoints.container import Application
from tests.e2e.harness import SYMBOL, World, world

D = Decimal
TIER_LEVERAGE = D(Params().tiers.get(OpenPositionCommand.of(
    SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"), D("30300.0"), D("0.04"), D("30600.0"),
    D("0.03"), "x").plan.tier).leverage)


def opened(w: World, intent: str) -> Any:
    async def body(c: Application) -> Any:
        return await c.use_cases.open_position().execute(OpenPositionCommand.of(
            SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"), D("30300.0"), D("0.04"),
            D("30600.0"), D("0.03"), intent))
    done = w.run(body)
    assert done.status == "opened", done
    return done


def journal(w: World, path: str) -> list[dict[str, Any]]:
    return [r for r in w.sim.requests() if str(r["path"]).endswith(path)]


def held_leverage(w: World) -> Decimal:
    return w.sim.core.state.account.lever(SYMBOL, "cross", "net")


def test_another_leverage_is_set_once_and_the_position_carries_the_tiers(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.sim.core.state.account.set_lever(SYMBOL, "cross", "net", TIER_LEVERAGE + 7)
        opened(w, "lev1")
        (sent,) = journal(w, "account/set-leverage")
        assert f'"lever":"{TIER_LEVERAGE}"' in str(sent["body"]).replace(" ", "")
        assert held_leverage(w) == TIER_LEVERAGE
        (position,) = [p for p in w.sim.core.state.account.positions.values() if p.pos]
        assert position.lever == TIER_LEVERAGE
        # one instrument asked for, not the list
        (instrument,) = journal(w, "public/instruments")
        assert f"instId={SYMBOL}" in str(instrument["query"])


def test_a_leverage_already_at_the_tier_is_not_sent_again(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.sim.core.state.account.set_lever(SYMBOL, "cross", "net", TIER_LEVERAGE)
        opened(w, "lev2")
        assert journal(w, "account/set-leverage") == []
        assert len(journal(w, "account/leverage-info")) == 1
        (position,) = [p for p in w.sim.core.state.account.positions.values() if p.pos]
        assert position.lever == TIER_LEVERAGE
