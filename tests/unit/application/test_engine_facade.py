"""The seed 000 §3 facade returns the contract's tuples and writes the seed-named files."""

import asyncio
from decimal import Decimal

from domain.orders import OrderIntent, OrdType, Side
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock, InMemoryEvidenceSink
from tests.unit.application import wiring


def test_the_contract_tuples_and_their_evidence() -> None:
    sink = InMemoryEvidenceSink()
    exchange = FakeExchange(FakeClock(), sink)
    engine = wiring.engine(exchange, sink)

    async def session() -> None:
        ok, path, minimal = await engine.public_instruments("SWAP")
        assert ok and path.endswith("public_instruments_probe.json")
        assert {"instId": "BTC-USDT-SWAP", "state": "live", "instType": "SWAP"} in minimal
        ok, path, ticker = await engine.public_ticker("BTC-USDT-SWAP")
        assert ok and ticker["last"] == "30000"
        assert await engine.read_account_config() == (
            True, "net_mode", str(sink.run_dir / "account_config_snapshot.json"))
        ok, equity, field, _ = await engine.read_balance_equity_usdt()
        assert ok and equity == Decimal("100000") and field == "details.eq"
        intent = OrderIntent(spec(), Side.BUY, OrdType.LIMIT, Decimal("0.01"),
                             Decimal("100"), False, "pxPBf00")
        ok, cl, ord_id, ack_path = await engine.submit_order(intent)
        assert ok and cl == "pxPBf00" and ord_id and "probe_execution.jsonl#" in ack_path
        ok, status, _ = await engine.get_order_status("BTC-USDT-SWAP", cl_ord_id=cl)
        assert ok and status is not None and status.state.value == "live"
        ok, _ = await engine.cancel_order("BTC-USDT-SWAP", ord_id=ord_id)
        assert ok
        ok, status, _ = await engine.get_order_status("BTC-USDT-SWAP", ord_id=ord_id)
        assert status is not None and status.state.value == "canceled"

    asyncio.run(session())
    assert len(sink.appended["order_status_samples.json"]) == 2
    ack = sink.appended["probe_execution.jsonl"][1]
    assert ack["call"] == "submit_order" and len(ack["ordId_hash"]) == 16
    assert ack["sCode"] == "0" and "ordId" not in ack
