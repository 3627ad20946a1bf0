"""The `prometheus-exec` command: a thin typer shell over the container and the use-cases.

Exit codes: 0 done, 1 operation failed at the exchange, 2 bad input or configuration,
3 an unknown outcome (or an unprotected position) that needs attention.
"""

import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from entrypoints import commands, render
from entrypoints.lifecycle import BAD_INPUT, exit_code_for
from entrypoints.settings import load_settings
from entrypoints.sim_cli import sim_app
from entrypoints.verify import verify_run

app = typer.Typer(name="prometheus-exec", help="Execution engine for OKX perpetual swaps.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.add_typer(sim_app, name="sim")

Venue = Annotated[str | None, typer.Option(
    help="sim (embedded simulator, default), okx-demo or okx-live.")]
ConfigPath = Annotated[Path | None, typer.Option("--config", help="TOML settings file.")]
Live = Annotated[bool, typer.Option("--i-understand-live",
                                    help="Required with --venue okx-live.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@app.callback()
def root() -> None:
    """Execution engine for OKX perpetual swaps: evidence-first, algo-protected, idempotent."""


def _decimal(name: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"{name} must be a decimal number, got {text!r}") from None
    if not value.is_finite():
        raise typer.BadParameter(f"{name} must be finite, got {text!r}")
    return value


def _required(name: str, text: str) -> Decimal:
    value = _decimal(name, text)
    assert value is not None
    return value


def _finish(result: tuple[int, dict[str, Any], str], as_json: bool) -> None:
    code, payload, human = result
    render.emit(payload, human, as_json)
    raise typer.Exit(code)


def _guarded(fn: Any, as_json: bool, command: str) -> None:
    try:
        result = fn()
    except typer.Exit:
        raise
    except Exception as exc:
        code, message = exit_code_for(exc)
        render.emit({"command": command, "error": message, "exit_code": code},
                    f"error: {message}", as_json, err=True)
        raise typer.Exit(code) from None
    _finish(result, as_json)


def _progress(as_json: bool) -> render.StepPrinter | None:
    """Steps on stderr for a human; with --json only the one object is printed."""
    return None if as_json else render.StepPrinter()


def _intent_id(given: str | None, prefix: str) -> str:
    return given or f"{prefix}{time.time_ns() // 1_000_000}"


@app.command()
def probe(venue: Venue = None, config: ConfigPath = None, live: Live = False,
          inst: Annotated[str, typer.Option(help="instId to probe.")] = "BTC-USDT-SWAP",
          px: Annotated[str | None, typer.Option(help="Fixed limit price (default: below "
                                                      "public/price-limit's band).")] = None,
          out: Annotated[Path | None, typer.Option(help="Base directory of run dirs.")] = None,
          allow_fill: Annotated[bool, typer.Option(
              "--allow-fill", help="Accept a --px at or through the best ask (it fills; the "
                                   "fill is sold again reduce-only).")] = False,
          as_json: Json = False) -> None:
    """Run the PROBE (seed 000 §5): instruments, config, a limit order that cannot fill, its
    status, cancel, status again; package the evidence with a No-Conclusions report."""
    def go() -> tuple[int, dict[str, Any], str]:
        settings = load_settings(config_path=config, venue=venue, live_confirmed=live,
                                 overrides={"runs_dir": out} if out else None)
        return commands.probe(settings, inst, _decimal("--px", px), _intent_id(None, "p"),
                              _progress(as_json), allow_fill)
    _guarded(go, as_json, "probe")


@app.command()
def selfcheck(venue: Venue = None, config: ConfigPath = None, live: Live = False,
              with_orders: Annotated[bool, typer.Option(
                  "--with-orders", help="Also place, see and cancel a far algo stop.")] = False,
              as_json: Json = False) -> None:
    """Seed 001 §9: connectivity, keys, position mode, instruments, params, evidence dir."""
    def go() -> tuple[int, dict[str, Any], str]:
        settings = load_settings(config_path=config, venue=venue, live_confirmed=live)
        return commands.selfcheck(settings, with_orders, _intent_id(None, "s"))
    _guarded(go, as_json, "selfcheck")


@app.command(name="open")
def open_(symbol: Annotated[str, typer.Option(help="instId, e.g. BTC-USDT-SWAP.")],
          side: Annotated[str, typer.Option(help="long or short.")],
          qty: Annotated[str, typer.Option(help="Contracts.")],
          stop: Annotated[str, typer.Option(help="Protective stop trigger (mark price).")],
          tp1: Annotated[str, typer.Option(help="TP1 price.")],
          tp1_qty: Annotated[str, typer.Option(help="TP1 contracts.")],
          tp2: Annotated[str, typer.Option(help="TP2 price.")],
          tp2_qty: Annotated[str, typer.Option(help="TP2 contracts (the rest is the runner).")],
          entry_px: Annotated[str | None, typer.Option(help="Limit entry (default market).")]
          = None,
          tier: Annotated[str, typer.Option(help="Signal tier A or B.")] = "A",
          intent_id: Annotated[str | None, typer.Option(help="1-24 letters/digits.")] = None,
          venue: Venue = None, config: ConfigPath = None, live: Live = False,
          as_json: Json = False) -> None:
    """Open a position: gate, entry, exchange-observed fill, algo stop visible within 1 s."""
    def go() -> tuple[int, dict[str, Any], str]:
        if side not in ("long", "short"):
            raise typer.BadParameter("--side must be long or short")
        settings = load_settings(config_path=config, venue=venue, live_confirmed=live)
        return commands.open_position(settings, dict(
            symbol=symbol, side=side, qty=_required("--qty", qty),
            stop_price=_required("--stop", stop), tp1_price=_required("--tp1", tp1),
            tp1_qty=_required("--tp1-qty", tp1_qty), tp2_price=_required("--tp2", tp2),
            tp2_qty=_required("--tp2-qty", tp2_qty), entry_price=_decimal("--entry-px",
                                                                          entry_px),
            tier=tier, intent_id=_intent_id(intent_id, "o")), _progress(as_json))
    _guarded(go, as_json, "open")


@app.command()
def close(symbol: Annotated[str, typer.Option(help="instId to close.")],
          venue: Venue = None, config: ConfigPath = None, live: Live = False,
          as_json: Json = False) -> None:
    """Close a symbol's position reduce-only at market until the exchange shows it flat."""
    def go() -> tuple[int, dict[str, Any], str]:
        settings = load_settings(config_path=config, venue=venue, live_confirmed=live)
        return commands.close_position(settings, symbol, _progress(as_json))
    _guarded(go, as_json, "close")


@app.command()
def manage(symbol: Annotated[str, typer.Option(help="instId.")],
           bar_close: Annotated[str | None, typer.Option(help="A bar closed at this price.")]
           = None,
           regime: Annotated[str | None, typer.Option(help="Regime of that bar.")] = None,
           venue: Venue = None, config: ConfigPath = None, live: Live = False,
           as_json: Json = False) -> None:
    """Apply exchange fills (TP1/TP2, stop) and a closed bar to a position."""
    def go() -> tuple[int, dict[str, Any], str]:
        settings = load_settings(config_path=config, venue=venue, live_confirmed=live)
        return commands.manage(settings, symbol, _decimal("--bar-close", bar_close), regime,
                               _progress(as_json))
    _guarded(go, as_json, "manage")


@app.command(name="regime")
def regime_shift(symbol: Annotated[str, typer.Option(help="instId.")],
                 new: Annotated[str, typer.Option("--new", help="The new regime.")],
                 venue: Venue = None, config: ConfigPath = None, live: Live = False,
                 as_json: Json = False) -> None:
    """Run the regime-shift playbook (seed 001 §6) for a symbol."""
    def go() -> tuple[int, dict[str, Any], str]:
        settings = load_settings(config_path=config, venue=venue, live_confirmed=live)
        return commands.regime(settings, symbol, new, _progress(as_json))
    _guarded(go, as_json, "regime")


@app.command()
def recover(venue: Venue = None, config: ConfigPath = None, live: Live = False,
            as_json: Json = False) -> None:
    """Make every exchange position protected by a visible stop; cancel stray stops."""
    def go() -> tuple[int, dict[str, Any], str]:
        settings = load_settings(config_path=config, venue=venue, live_confirmed=live)
        return commands.recover(settings, _progress(as_json))
    _guarded(go, as_json, "recover")


@app.command()
def watch(run_for: Annotated[float | None, typer.Option(
              help="Stop after this many seconds (default: until interrupted).")] = None,
          venue: Venue = None, config: ConfigPath = None, live: Live = False,
          as_json: Json = False) -> None:
    """Keep positions protected: recover at start and after every stream gap, apply pushed
    take-profit fills and stop triggers as they happen."""
    def go() -> tuple[int, dict[str, Any], str]:
        settings = load_settings(config_path=config, venue=venue, live_confirmed=live)
        return commands.watch(settings, run_for, _progress(as_json))
    _guarded(go, as_json, "watch")


@app.command()
def status(venue: Venue = None, config: ConfigPath = None, live: Live = False,
           as_json: Json = False) -> None:
    """Positions, stops and locks per symbol."""
    def go() -> tuple[int, dict[str, Any], str]:
        settings = load_settings(config_path=config, venue=venue, live_confirmed=live)
        return commands.status(settings)
    _guarded(go, as_json, "status")


@app.command()
def verify(run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
           as_json: Json = False) -> None:
    """Check a run directory: the evidence hash chain and SHA256SUMS.txt."""
    if not run_dir.is_dir():
        render.emit({"command": "verify", "error": f"{run_dir} is not a directory"},
                    f"error: {run_dir} is not a directory", as_json, err=True)
        raise typer.Exit(BAD_INPUT)
    _finish(verify_run(run_dir), as_json)


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("prometheus-exec"))


def main() -> None:
    app()
