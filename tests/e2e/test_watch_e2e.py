"""ProtectionWatch on the simulator: a real WS drop, a stop lost meanwhile, restored."""

import threading
import time
from decimal import Decimal
from pathlib import Path

from application.open_position import OpenPosition, OpenPositionCommand, OpenPositionDone
from application.watch import ProtectionWatch, WatchCommand, WatchStopped
from domain.orders import PositionSide
from entrypoints.container import Application
from tests.e2e.harness import SYMBOL, world

D = Decimal


def test_after_a_stream_gap_a_stop_cancelled_meanwhile_is_restored(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        async def open_(c: Application) -> OpenPositionDone:
            use_case: OpenPosition = c.use_cases.open_position()
            return await use_case.execute(OpenPositionCommand.of(
                SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"), D("30300.0"), D("0.04"),
                D("30600.0"), D("0.03"), "gap1"))
        assert w.run(open_).status == "opened"
        (stop,) = w.open_algos()

        def meanwhile() -> None:
            time.sleep(1.0)
            w.sim.disconnect_ws("business")  # orders-algo pushes are lost while it is down
            w.sim.core.cancel_algos([{"instId": SYMBOL, "algoId": stop.algo_id}])

        helper = threading.Thread(target=meanwhile)
        helper.start()

        async def watch(c: Application) -> WatchStopped:
            use_case: ProtectionWatch = c.use_cases.watch()
            return await use_case.execute(WatchCommand((SYMBOL,), run_for_s=4.0))
        done = w.run(watch, prefix="watch")
        helper.join()
        (restored,) = w.open_algos()
        assert restored.algo_cl_ord_id == "pxSLgap101"
        assert restored.sl_trigger_px == D("29400.0") and restored.sz == D("0.10")
        assert done.recoveries >= 2 and not done.needs_attention
