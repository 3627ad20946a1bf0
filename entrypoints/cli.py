"""The `prometheus-exec` command: a thin typer shell over the container and the use-cases.

What a user typed is checked here (entrypoints/validate.py) before any container is built;
every failure goes through one boundary (entrypoints/boundary.py) to one line and the exit
code of its kind (entrypoints/exit_codes.py).
"""

import enum
import time
from pathlib import Path
from typing import Annotated, Any

import attrs
import typer
from typer.core import TyperCommand

from application.open_position import OpenPositionCommand
from domain.orders import PositionSide
from entrypoints import commands, render, validate
from entrypoints.boundary import BadInput, GuardedGroup
from entrypoints.settings import Settings, load_settings
from entrypoints.sim_cli import sim_app
from entrypoints.validate import Regime
from entrypoints.verify import verify_run

SHARED = ("venue", "config", "as_json", "live")
SUMS = "SHA256SUMS.txt"


@attrs.frozen
class Shared:
    """The options every engine command takes, before or after the command's name."""

    venue: str | None = None
    config: Path | None = None
    as_json: bool = False
    live: bool = False

    def merged(self, given: dict[str, Any]) -> "Shared":
        return Shared(venue=given.get("venue") or self.venue,
                      config=given.get("config") or self.config,
                      as_json=bool(given.get("as_json")) or self.as_json,
                      live=bool(given.get("live")) or self.live)

    def settings(self, **overrides: Any) -> Settings:
        return load_settings(config_path=self.config, venue=self.venue,
                             live_confirmed=self.live, overrides=overrides or None)


class EngineCommand(TyperCommand):
    """A command that also accepts the shared options after its name (the root group copies
    its own declarations of them in) and hands them on in ctx.obj."""

    def invoke(self, ctx: Any) -> Any:
        given = {name: ctx.params.pop(name) for name in SHARED if name in ctx.params}
        ctx.obj = (ctx.obj if isinstance(ctx.obj, Shared) else Shared()).merged(given)
        return super().invoke(ctx)


class Root(GuardedGroup):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        shared = [p for p in self.params if p.name in SHARED]
        for command in self.commands.values():
            if isinstance(command, EngineCommand):
                command.params.extend(shared)


app = typer.Typer(name="prometheus-exec", cls=Root, no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
app.add_typer(sim_app, name="sim")


@app.callback()
def root(ctx: typer.Context,
         venue: Annotated[str | None, typer.Option(
             help="sim (embedded simulator, default), okx-demo or okx-live.")] = None,
         config: Annotated[Path | None, typer.Option(help="TOML settings file.")] = None,
         as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
         live: Annotated[bool, typer.Option("--i-understand-live",
                                            help="Required with --venue okx-live.")] = False,
         ) -> None:
    """Execution engine for OKX perpetual swaps: evidence-first, algo-protected, idempotent."""
    ctx.obj = Shared(venue, config, as_json, live)


class Side(enum.Enum):
    LONG = "long"
    SHORT = "short"


class Tier(enum.Enum):
    A = "A"
    B = "B"


def _shared(ctx: typer.Context) -> Shared:
    assert isinstance(ctx.obj, Shared)
    return ctx.obj


def _finish(ctx: typer.Context, result: tuple[int, dict[str, Any], str]) -> None:
    code, payload, human = result
    render.emit(payload, human, _shared(ctx).as_json)
    raise typer.Exit(code)


def _progress(ctx: typer.Context) -> render.StepPrinter | None:
    """Steps on stderr for a human; with --json only the one object is printed."""
    return None if _shared(ctx).as_json else render.StepPrinter()


def _intent_id(given: str | None, prefix: str) -> str:
    return validate.intent_id(given) if given else f"{prefix}{time.time_ns() // 1_000_000}"


def _out(out: Path | None) -> dict[str, Any]:
    return {"runs_dir": validate.writable_dir(out, "--out", create=False)} if out else {}


@app.command(cls=EngineCommand)
def probe(ctx: typer.Context,
          inst: Annotated[str, typer.Option(help="instId to probe.")] = "BTC-USDT-SWAP",
          px: Annotated[str | None, typer.Option(help="Fixed limit price (default: below "
                                                      "public/price-limit's band).")] = None,
          out: Annotated[Path | None, typer.Option(help="Base directory of run dirs.")] = None,
          ) -> None:
    """Run the PROBE (seed 000 §5): instruments, config, a limit order that cannot fill, its
    status, cancel, status again; package the evidence with a No-Conclusions report."""
    inst_id = validate.swap_id(inst, "--inst")
    price = validate.optional_decimal(px, "--px", what="a price")
    settings = _shared(ctx).settings(**_out(out))
    _finish(ctx, commands.probe(settings, inst_id, price, _intent_id(None, "p"),
                                _progress(ctx)))


@app.command(cls=EngineCommand)
def selfcheck(ctx: typer.Context,
              with_orders: Annotated[bool, typer.Option(
                  "--with-orders", help="Also place, see and cancel a far algo stop.")] = False,
              ) -> None:
    """Seed 001 §9: connectivity, keys, position mode, instruments, params, evidence dir."""
    settings = _shared(ctx).settings()
    _finish(ctx, commands.selfcheck(settings, with_orders, _intent_id(None, "s")))


@app.command(name="open", cls=EngineCommand)
def open_(ctx: typer.Context,
          symbol: Annotated[str, typer.Option(help="instId, e.g. BTC-USDT-SWAP.")],
          side: Annotated[Side, typer.Option(help="long or short.", case_sensitive=False)],
          qty: Annotated[str, typer.Option(help="Contracts.")],
          stop: Annotated[str, typer.Option(help="Protective stop trigger (mark price).")],
          tp1: Annotated[str, typer.Option(help="TP1 price.")],
          tp1_qty: Annotated[str, typer.Option(help="TP1 contracts.")],
          tp2: Annotated[str, typer.Option(help="TP2 price.")],
          tp2_qty: Annotated[str, typer.Option(help="TP2 contracts (the rest is the runner).")],
          entry_px: Annotated[str | None, typer.Option(help="Limit entry (default market).")]
          = None,
          tier: Annotated[Tier, typer.Option(help="Signal tier A or B.")] = Tier.A,
          intent_id: Annotated[str | None, typer.Option(help="1-24 letters/digits.")] = None,
          ) -> None:
    """Open a position: gate, entry, exchange-observed fill, algo stop visible within 1 s."""
    cmd = OpenPositionCommand(
        symbol=validate.swap_id(symbol, "--symbol"),
        side=PositionSide.LONG if side is Side.LONG else PositionSide.SHORT,
        qty=validate.decimal(qty, "--qty", what="a number of contracts"),
        stop_price=validate.decimal(stop, "--stop", what="a price"),
        tp1_price=validate.decimal(tp1, "--tp1", what="a price"),
        tp1_qty=validate.decimal(tp1_qty, "--tp1-qty", what="a number of contracts"),
        tp2_price=validate.decimal(tp2, "--tp2", what="a price"),
        tp2_qty=validate.decimal(tp2_qty, "--tp2-qty", what="a number of contracts"),
        entry_price=validate.optional_decimal(entry_px, "--entry-px", what="a price"),
        tier=tier.value, intent_id=_intent_id(intent_id, "o"))
    validate.open_plan(cmd)
    settings = _shared(ctx).settings()
    _finish(ctx, commands.open_position(settings, cmd, _progress(ctx)))


@app.command(cls=EngineCommand)
def close(ctx: typer.Context,
          symbol: Annotated[str, typer.Option(help="instId to close.")]) -> None:
    """Close a symbol's position reduce-only at market until the exchange shows it flat."""
    inst_id = validate.swap_id(symbol, "--symbol")
    settings = _shared(ctx).settings()
    _finish(ctx, commands.close_position(settings, inst_id, _progress(ctx)))


@app.command(cls=EngineCommand)
def manage(ctx: typer.Context,
           symbol: Annotated[str, typer.Option(help="instId.")],
           bar_close: Annotated[str | None, typer.Option(help="A bar closed at this price.")]
           = None,
           regime: Annotated[Regime | None, typer.Option(
               help="Regime of that bar.", case_sensitive=False)] = None,
           ) -> None:
    """Apply exchange fills (TP1/TP2, stop) and a closed bar to a position."""
    inst_id = validate.swap_id(symbol, "--symbol")
    close_px = validate.optional_decimal(bar_close, "--bar-close", what="a price")
    if regime is not None and close_px is None:
        raise BadInput("--regime describes a closed bar: give --bar-close with it")
    settings = _shared(ctx).settings()
    _finish(ctx, commands.manage(settings, inst_id, close_px,
                                 regime.value if regime else None, _progress(ctx)))


@app.command(name="regime", cls=EngineCommand)
def regime_shift(ctx: typer.Context,
                 symbol: Annotated[str, typer.Option(help="instId.")],
                 new: Annotated[Regime, typer.Option(
                     "--new", help="The new regime: SHOCK, CHOP, TREND or RANGE.",
                     case_sensitive=False)],
                 ) -> None:
    """Run the regime-shift playbook (seed 001 §6) for a symbol."""
    inst_id = validate.swap_id(symbol, "--symbol")
    settings = _shared(ctx).settings()
    _finish(ctx, commands.regime(settings, inst_id, new.value, _progress(ctx)))


@app.command(cls=EngineCommand)
def recover(ctx: typer.Context) -> None:
    """Make every exchange position protected by a visible stop; cancel stray stops."""
    settings = _shared(ctx).settings()
    _finish(ctx, commands.recover(settings, _progress(ctx)))


@app.command(cls=EngineCommand)
def watch(ctx: typer.Context,
          run_for: Annotated[float | None, typer.Option(
              help="Stop after this many seconds (default: until interrupted).")] = None,
          ) -> None:
    """Keep positions protected: recover at start and after every stream gap, apply pushed
    take-profit fills and stop triggers as they happen."""
    seconds = validate.seconds(run_for, "--run-for")
    settings = _shared(ctx).settings()
    _finish(ctx, commands.watch(settings, seconds, _progress(ctx)))


@app.command(cls=EngineCommand)
def status(ctx: typer.Context) -> None:
    """Positions, stops and locks per symbol."""
    settings = _shared(ctx).settings()
    _finish(ctx, commands.status(settings))


@app.command(cls=EngineCommand)
def verify(ctx: typer.Context,
           run_dir: Annotated[Path, typer.Argument(help="A run directory.")]) -> None:
    """Check a run directory: the evidence hash chain and SHA256SUMS.txt."""
    if not run_dir.is_dir():
        what = "does not exist" if not run_dir.exists() else "is not a directory"
        raise BadInput(f"RUN_DIR {run_dir} {what}")
    if not any(run_dir.glob("m_execution_raw_*")) and not (run_dir / SUMS).exists():
        raise BadInput(f"RUN_DIR {run_dir} is not a run directory: it has no raw evidence "
                       f"and no {SUMS}")
    _finish(ctx, verify_run(run_dir))


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("prometheus-exec"))


def main() -> None:
    app()

