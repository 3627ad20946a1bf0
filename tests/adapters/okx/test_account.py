"""Account reads and settings from fact-sheet responses (tests/fixtures/okx, written by hand)."""

from decimal import Decimal
from typing import Any

import pytest

from domain.orders import PositionSide
from ports.errors import ExchangeProtocolError, ExchangeRejected
from ports.exchange import ExchangeAdapter
from tests.adapters.okx.mock_okx import MockOkx, body_of, fixture, run
from tests.fakes import FakeClock

D = Decimal


def test_account_config_reports_position_mode_level_and_permissions() -> None:
    mock = MockOkx(FakeClock())
    config, _ = run(mock, lambda ex: ex.get_account_config())
    assert (config.pos_mode, config.acct_lv, config.perm) == ("net_mode", "2",
                                                              "read_only,trade")


def test_balances_read_the_settlement_currency_details() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/balance", "account_balance")
    balances, _ = run(mock, lambda ex: ex.get_balances())
    # futures mode: cross imr 400 + isolated margin 0 + 29.62 frozen for open orders
    assert (balances.ccy, balances.total_equity, balances.available_balance,
            balances.margin_used) == ("USDT", D("10230.12"), D("9800.5"), D("429.62"))
    assert mock.seen("GET", "/api/v5/account/balance")[0].url.params["ccy"] == "USDT"


def balance_in_mode(acct_lv: str, top: dict[str, str], detail: dict[str, str]
                    ) -> dict[str, Any]:
    config, balance = fixture("account_config_net"), fixture("account_balance")
    config["body"]["data"][0]["acctLv"] = acct_lv
    balance["body"]["data"][0].update(top)
    balance["body"]["data"][0]["details"][0].update(detail)
    mock = MockOkx(FakeClock())
    mock.default("GET", "/api/v5/account/config", config)
    mock.on("GET", "/api/v5/account/balance", balance)
    balances, _ = run(mock, lambda ex: ex.get_balances())
    return {"used": balances.margin_used, "configs": len(mock.seen("GET",
                                                                   "/api/v5/account/config"))}


def test_futures_mode_adds_isolated_margin_and_reads_no_cross_imr_as_none() -> None:
    got = balance_in_mode("2", {}, {"imr": "", "isoEq": "130", "isoUpl": "-20",
                                    "ordFrozen": "5"})
    assert got == {"used": D("155"), "configs": 1}


@pytest.mark.parametrize("acct_lv", ["3", "4"])
def test_pooled_modes_read_the_account_imr_not_the_empty_per_currency_one(acct_lv: str) -> None:
    got = balance_in_mode(acct_lv, {"imr": "1200.5"}, {"imr": "", "eq": "1000",
                                                       "eqUsd": "999.5"})
    assert got["used"] == D("1200.5") * D("1000") / D("999.5")


def test_a_pooled_mode_without_an_account_imr_is_a_protocol_error() -> None:
    with pytest.raises(ExchangeProtocolError, match="imr"):
        balance_in_mode("3", {"imr": ""}, {"imr": "400"})


def test_spot_mode_counts_only_the_frozen_balance() -> None:
    assert balance_in_mode("1", {}, {"imr": ""})["used"] == D("429.62")


def test_equity_names_the_field_it_came_from() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/balance", "account_balance")
    equity, _ = run(mock, lambda ex: ex.get_balance_equity("USDT"))
    assert (equity.equity, equity.field_used) == (D("10230.12"), "details[ccy=USDT].eq")


def test_a_currency_okx_does_not_list_holds_nothing_and_says_so() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/balance", "account_balance_empty")
    equity, _ = run(mock, lambda ex: ex.get_balance_equity("USDC"))
    assert equity.equity == 0
    assert "absent" in equity.field_used


def test_every_listed_equity_comes_from_one_balance_read_without_a_currency() -> None:
    balance = fixture("account_balance")
    usdt = balance["body"]["data"][0]["details"][0]
    balance["body"]["data"][0]["details"].append(dict(usdt, ccy="USDC", eq="77.5"))
    balance["body"]["data"][0]["details"].append(dict(usdt, ccy="BTC", eq=""))
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/balance", balance)
    equities, _ = run(mock, lambda ex: ex.get_equities())
    (sent,) = mock.seen("GET", "/api/v5/account/balance")
    assert "ccy" not in sent.url.params  # every currency OKX lists, not one
    assert (equities.of("USDT").equity, equities.of("USDT").field_used) == \
        (D("10230.12"), "details[ccy=USDT].eq")
    assert (equities.of("USDC").equity, equities.of("USDC").field_used) == \
        (D("77.5"), "details[ccy=USDC].eq")
    # a currency OKX leaves out holds nothing; one it lists without an equity is not read as 0
    absent = equities.of("ETH")
    assert (absent.equity, absent.field_used) == \
        (0, "details[ccy=ETH] absent: OKX lists only non-zero balances")
    with pytest.raises(ExchangeProtocolError, match="BTC"):
        equities.of("BTC")


def test_positions_skip_flat_entries_and_read_net_sign_as_side() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/positions", "account_positions")
    positions, _ = run(mock, lambda ex: ex.get_positions())
    assert list(positions.by_symbol) == ["BTC-USDT-SWAP"]
    btc = positions.by_symbol["BTC-USDT-SWAP"]
    assert (btc.side, btc.qty, btc.entry_price, btc.unrealized_pnl, btc.leverage,
            btc.mark_price, btc.margin_mode) == (PositionSide.SHORT, D("2"), D("30100.5"),
                                                 D("1.83"), D("5"), D("30008.7"), "cross")


def test_both_legs_of_a_hedged_position_are_refused_rather_than_merged() -> None:
    doc = fixture("account_positions")
    long_leg = dict(doc["body"]["data"][0], posSide="long", pos="1")
    short_leg = dict(doc["body"]["data"][0], posSide="short", pos="2")
    doc["body"]["data"] = [long_leg, short_leg]
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/positions", doc)
    with pytest.raises(ExchangeProtocolError, match="long and short"):
        run(mock, lambda ex: ex.get_positions())


def test_set_leverage_sends_cross_margin_and_reports_what_okx_applied() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", "/api/v5/account/set-leverage", "set_leverage")
    applied, _ = run(mock, lambda ex: ex.set_leverage("BTC-USDT-SWAP", 7))
    assert (applied.name, applied.value) == ("leverage", "7")
    assert body_of(mock.seen("POST", "/api/v5/account/set-leverage")[0]) == {
        "instId": "BTC-USDT-SWAP", "lever": "7", "mgnMode": "cross"}


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_a_bad_leverage_fails_before_sending(bad: Any) -> None:
    mock = MockOkx(FakeClock())
    with pytest.raises(ValueError):
        run(mock, lambda ex: ex.set_leverage("BTC-USDT-SWAP", bad))
    assert mock.seen("POST", "/api/v5/account/set-leverage") == []


def test_one_way_mode_is_requested_and_refreshes_the_cached_mode() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/account/config", "account_config_net")
    mock.on("POST", "/api/v5/account/set-position-mode", "set_position_mode")

    async def scenario(ex: ExchangeAdapter) -> Any:
        await ex.get_account_config()
        return await ex.set_position_mode_one_way()

    applied, _ = run(mock, scenario)
    assert (applied.name, applied.value) == ("pos_mode", "net_mode")
    assert body_of(mock.seen("POST", "/api/v5/account/set-position-mode")[0]) == {
        "posMode": "net_mode"}


def test_one_way_mode_refused_with_open_positions_raises_the_code() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", "/api/v5/account/set-position-mode", "set_position_mode_59000")
    with pytest.raises(ExchangeRejected) as caught:
        run(mock, lambda ex: ex.set_position_mode_one_way())
    assert caught.value.code == "59000"
