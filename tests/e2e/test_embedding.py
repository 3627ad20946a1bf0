"""The README's embedding example, run against the simulator as a demo venue."""

import asyncio
from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path

from application.open_position import OpenPositionCommand
from application.watch import WatchCommand
from domain.orders import PositionSide
from entrypoints.container import build_container, container_config
from entrypoints.settings import load_settings
from tests.e2e.harness import SYMBOL, env_for, world


def test_the_readme_embedding_example_opens_and_watches(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        settings = load_settings(env=env_for(w.sim), venue="okx-demo", overrides={
            "runs_dir": tmp_path / "runs", "state_path": tmp_path / "state.json"})
        container = build_container(container_config(settings, run_prefix="quant",
                                                      labels={}))

        async def trade() -> tuple[str, int]:
            async with AsyncExitStack() as stack:
                exchange = container.adapters.exchange()  # the selected venue
                stack.push_async_callback(exchange.aclose)
                stack.callback(container.adapters.sink().close)
                store = container.adapters.store()
                store.load()
                stack.callback(store.close)
                done = await container.use_cases.open_position().execute(OpenPositionCommand.of(
                    symbol=SYMBOL, side=PositionSide.LONG, qty=Decimal("0.10"),
                    stop_price=Decimal("29400"), tp1_price=Decimal("30300"),
                    tp1_qty=Decimal("0.04"), tp2_price=Decimal("30600"),
                    tp2_qty=Decimal("0.03"), intent_id="q20261122a1"))
                watched = await container.use_cases.watch().execute(
                    WatchCommand(settings.symbols, run_for_s=0.5))
                return done.status, watched.recoveries

        status, recoveries = asyncio.run(trade())
        assert status == "opened" and recoveries == 1
        assert [a.algo_cl_ord_id for a in w.open_algos()] == ["pxSLq20261122a100"]
