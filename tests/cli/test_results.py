"""Command results are typed and written by one converter: Decimals as exact strings, null for
what does not apply, the exit code with its name; human output reads the same objects."""

from decimal import Decimal
from pathlib import Path

from entrypoints.exit_codes import ExitCode
from entrypoints.results import StatusResult, StatusRow, StopRow, to_json
from tests.cli.conftest import Exchange, run_cli
from tests.cli.test_bad_input import OPEN


def test_an_open_status_close_session_prints_typed_json(workdir: Path,
                                                        exchange: Exchange) -> None:
    exchange.fresh()
    env = exchange.env()
    opened = run_cli([*OPEN, "--intent-id", "res1", "--json"], env).payload
    assert (opened["command"], opened["status"], opened["exit"]) == ("open", "opened", "DONE")
    assert opened["exit_code"] == 0 and opened["intent_id"] == "res1"
    position = opened["position"]
    assert isinstance(position, dict)
    assert position["qty_open"] == "0.1" and position["sl_price"] == "29400"
    assert position["sl_confirmed"] is True and position["side"] == "LONG"
    assert position["cooldown_until"] == {"loss": 0, "template": 0, "freeze": 0, "shock": 0}
    assert Path(str(opened["run_dir"])).is_dir()

    status = run_cli(["status", "--json"], env).payload
    (row,) = status["symbols"]
    assert row["exchange_qty"] == "0.1" and row["stage"] == "PRE_TP1"
    (stop,) = row["stops"]
    assert stop["client_algo_id"] == "pxSLres100" and stop["stop_price"] == "29400"
    assert Decimal(row["entry_price"]) > 0
    stored = row["symbol_state"]  # the full SymbolState under the seed's field names
    assert stored["position_state"]["stage"] == "PRE_TP1"
    assert stored["position_state"]["sl_algo"]["client_algo_id"] == "pxSLres100"
    assert {"exec_quality_roll", "health_roll", "shockguard", "cooldown_until",
            "last_template", "b_blacklist_until"} <= stored.keys()

    closed = run_cli(["close", "--symbol", "BTC-USDT-SWAP", "--json"], env).payload
    assert closed["status"] == "closed" and "intent_id" not in closed
    assert closed["position"]["stage"] == "FLAT"
    human = run_cli(["status"], env)
    assert human.code == 0
    row = human.stdout.splitlines()[1].split()
    assert row[:3] == ["BTC-USDT-SWAP", "-", "0"] and row[7] == "FLAT", human.stdout


def test_what_does_not_apply_is_null_not_a_string() -> None:
    row = StatusRow("BTC-USDT-SWAP", "NONE", Decimal(0), None, None, "FLAT", Decimal(0), "",
                    False, (StopRow("", "8001", None, Decimal("0.10"), "live"),), True, "",
                    True, "")
    doc = to_json(StatusResult(venue="sim", run_dir=Path("runs/x"), symbols=(row,),
                               exit_code=ExitCode.DONE))
    (out,) = doc["symbols"]
    assert out["entry_price"] is None and out["unrealized_pnl"] is None
    assert out["stops"] == [{"client_algo_id": "", "algo_id": "8001", "stop_price": None,
                             "size": "0.10", "state": "live"}]
    assert (doc["run_dir"], doc["exit_code"], doc["exit"]) == ("runs/x", 0, "DONE")


def test_a_regime_in_lower_case_runs_that_regimes_playbook(workdir: Path,
                                                          exchange: Exchange) -> None:
    exchange.fresh()
    ran = run_cli(["regime", "--symbol", "BTC-USDT-SWAP", "--new", "shock", "--json"],
                  exchange.env()).payload
    assert ran["status"] == "regime SHOCK" and ran["exit"] == "DONE"
    # SHOCK sets the shock lock (playbook step 4); a calm regime would not
    assert "4:SetCooldown" in str(ran["reason"])
    assert ran["position"]["cooldown_until"]["shock"] > 0
