"""The edge checks one by one: exact messages and the boundaries of what they accept."""

from decimal import Decimal
from pathlib import Path

import pytest

from domain.orders import PositionSide
from entrypoints import validate
from entrypoints.boundary import BadInput

D = Decimal


def refused(call: object, *args: object, **kw: object) -> str:
    with pytest.raises(BadInput) as caught:
        call(*args, **kw)  # type: ignore[operator]
    return str(caught.value)


def test_an_inst_id_is_an_upper_case_perpetual_swap() -> None:
    assert validate.swap_id("ETH-USDC-SWAP", "--symbol") == "ETH-USDC-SWAP"
    assert refused(validate.swap_id, "eth-usdc-swap", "--symbol") == (
        "--symbol 'eth-usdc-swap' is not an OKX perpetual swap instId like BTC-USDT-SWAP "
        "(did you mean ETH-USDC-SWAP?)")
    # no suggestion when upper case would not help
    for text in ("BTC-USDT", "BTC-USDT-250328", "BTC USDT SWAP", "btc-usdt"):
        assert refused(validate.swap_id, text, "--inst") == (
            f"--inst {text!r} is not an OKX perpetual swap instId like BTC-USDT-SWAP")


def test_a_decimal_is_finite_and_above_zero() -> None:
    assert validate.decimal(" 0.10 ", "--qty", what="contracts") == D("0.10")
    assert validate.decimal("1E+3", "--px", what="a price") == D("1000")
    assert refused(validate.decimal, "0", "--qty", what="contracts") == (
        "--qty must be greater than zero, got '0'")
    assert refused(validate.decimal, "-0.01", "--qty", what="contracts") == (
        "--qty must be greater than zero, got '-0.01'")
    assert refused(validate.decimal, "ten", "--qty", what="contracts") == (
        "--qty must be contracts, got 'ten'")
    assert refused(validate.decimal, "Infinity", "--px", what="a price") == (
        "--px must be a finite number, got 'Infinity'")
    assert validate.optional_decimal(None, "--px", what="a price") is None
    assert validate.optional_decimal("7", "--px", what="a price") == D(7)


def test_a_duration_is_above_zero_and_at_most_a_year() -> None:
    assert validate.seconds(None, "--run-for") is None
    assert validate.seconds(0.5, "--run-for") == 0.5
    assert validate.seconds(validate.MAX_RUN_FOR_S, "--run-for") == validate.MAX_RUN_FOR_S
    for bad in (0.0, -1.0, float("nan"), float("inf"), validate.MAX_RUN_FOR_S + 1):
        assert refused(validate.seconds, bad, "--run-for").startswith(
            "--run-for must be a number of seconds above 0 and at most 31622400")


def test_an_intent_id_is_1_to_24_letters_or_digits() -> None:
    assert validate.intent_id("a" * 24) == "a" * 24
    for bad in ("", "a" * 25, "a_b", "é1"):
        assert refused(validate.intent_id, bad) == (
            f"--intent-id must be 1 to 24 ASCII letters or digits, got {bad!r}")


def plan(side: PositionSide = PositionSide.LONG, **changes: Decimal | None
         ) -> validate.PlanFields:
    fields: dict[str, object] = dict(
        side=side, qty=D("0.10"), stop_price=D(29400), tp1_price=D(30300), tp1_qty=D("0.04"),
        tp2_price=D(30600), tp2_qty=D("0.03"), entry_price=None)
    fields.update(changes)
    return validate.PlanFields(**fields)  # type: ignore[arg-type]


def test_a_plan_orders_its_prices_and_fits_its_sizes() -> None:
    validate.open_plan(plan())
    validate.open_plan(plan(entry_price=D(30000)))
    # boundaries that are allowed: tp2 at tp1, take-profits closing the whole position
    validate.open_plan(plan(tp2_price=D(30300), tp1_qty=D("0.05"), tp2_qty=D("0.05")))
    validate.open_plan(plan(PositionSide.SHORT, stop_price=D(30600), tp1_price=D(29800),
                            tp2_price=D(29800), entry_price=D(30000)))
    assert refused(validate.open_plan, plan(tp1_price=D(29400))) == (
        "a long needs --tp1 above --stop, got tp1 29400, stop 29400")
    assert refused(validate.open_plan, plan(tp2_price=D(30299))) == (
        "a long needs --tp2 at or above --tp1, got tp2 30299, tp1 30300")
    assert refused(validate.open_plan, plan(PositionSide.SHORT)) == (
        "a short needs --tp1 below --stop, got tp1 30300, stop 29400")
    assert refused(validate.open_plan, plan(tp1_qty=D("0.08"))) == (
        "--tp1-qty 0.08 plus --tp2-qty 0.03 exceed --qty 0.10: the take-profits can close at "
        "most the whole position")
    for entry in (D(29400), D(30300), D(29000)):
        assert refused(validate.open_plan, plan(entry_price=entry)) == (
            f"--entry-px {entry} must lie between --stop 29400 and --tp1 30300")


def test_a_writable_directory_is_made_only_when_asked(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    assert refused(validate.writable_dir, nested, "--out", create=False) == (
        f"--out {nested} does not exist: create it first")
    assert validate.writable_dir(nested, "runs_dir", create=True) == nested and nested.is_dir()
    (tmp_path / "f").write_text("")
    assert refused(validate.writable_dir, tmp_path / "f", "--out", create=True) == (
        f"--out {tmp_path / 'f'} is a file, not a directory")
    assert refused(validate.writable_dir, tmp_path / "f" / "x", "runs_dir", create=True
                   ).startswith(f"runs_dir {tmp_path / 'f' / 'x'} cannot be created")
    assert list(nested.iterdir()) == []  # the write test leaves nothing behind
