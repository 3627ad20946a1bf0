"""The open path's reads on OKX (issue 14 P2): one instrument by instId, read every time, and
the symbol's current leverage from leverage-info in the margin mode orders use."""

import copy
from decimal import Decimal
from typing import Any

import pytest

from ports.errors import ExchangeProtocolError, ExchangeRejected
from tests.adapters.okx.mock_okx import MockOkx, fixture, run
from tests.fakes import FakeClock

D = Decimal
PATH = "/api/v5/public/instruments"


def one_row(inst_id: str) -> dict[str, Any]:
    doc = copy.deepcopy(fixture("public_instruments_swap"))
    doc["body"]["data"] = [i for i in doc["body"]["data"] if i["instId"] == inst_id]
    return dict(doc)


def error(code: str, msg: str) -> dict[str, Any]:
    return {"status": 200, "body": {"code": code, "msg": msg, "data": []}}


def test_one_instrument_is_asked_for_by_inst_id_each_time() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", PATH, one_row("XRP-USDT-SWAP"), one_row("XRP-USDT-SWAP"))

    async def twice(ex: Any) -> Any:
        await ex.get_instrument("XRP-USDT-SWAP")
        return await ex.get_instrument("XRP-USDT-SWAP")

    found, _ = run(mock, twice)
    (spec,) = found.instruments
    assert (spec.inst_id, spec.state, spec.settle_ccy) == ("XRP-USDT-SWAP", "suspend", "USDT")
    asked = mock.seen("GET", PATH)
    assert len(asked) == 2  # never served from memory
    assert dict(asked[0].url.params) == {"instType": "SWAP", "instId": "XRP-USDT-SWAP"}


def test_an_inst_id_okx_does_not_know_is_not_listed() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", PATH, error("51001", "Instrument ID does not exist"))
    found, _ = run(mock, lambda ex: ex.get_instrument("DOGE-USDT-SWAP"))
    assert found.instruments == ()
    assert found.missing("DOGE-USDT-SWAP") == "DOGE-USDT-SWAP is not a listed SWAP instrument"


def test_another_refusal_of_the_instrument_read_is_raised() -> None:
    mock = MockOkx(FakeClock())
    mock.default("GET", PATH, error("51000", "Parameter instId error"))
    with pytest.raises(ExchangeRejected, match="51000"):
        run(mock, lambda ex: ex.get_instrument("BTC-USDT-SWAP"))


def leverage_rows(*levers: str, mgn_mode: str = "cross") -> dict[str, Any]:
    rows = [{"instId": "BTC-USDT-SWAP", "mgnMode": mgn_mode, "posSide": side, "lever": lever}
            for side, lever in zip(("long", "short") if len(levers) == 2 else ("net",),
                                   levers, strict=True)]
    return {"status": 200, "body": {"code": "0", "msg": "", "data": rows}}


def test_the_leverage_is_read_in_the_margin_mode_orders_use() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/leverage-info", leverage_rows("5"))
    held, _ = run(mock, lambda ex: ex.get_leverage("BTC-USDT-SWAP"))
    assert (held.symbol, held.leverage) == ("BTC-USDT-SWAP", D(5))
    asked = mock.seen("GET", "/api/v5/account/leverage-info")[0]
    assert dict(asked.url.params) == {"instId": "BTC-USDT-SWAP", "mgnMode": "cross"}


def test_two_sides_holding_different_leverage_is_no_single_value() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/leverage-info", leverage_rows("5", "10"))
    held, _ = run(mock, lambda ex: ex.get_leverage("BTC-USDT-SWAP"))
    assert held.leverage is None


@pytest.mark.parametrize("lever", ["", "x"])
def test_an_unreadable_leverage_is_a_protocol_error(lever: str) -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/leverage-info", leverage_rows(lever))
    with pytest.raises(ExchangeProtocolError):
        run(mock, lambda ex: ex.get_leverage("BTC-USDT-SWAP"))
