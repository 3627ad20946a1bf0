"""The `prometheus-exec` command: a thin typer shell over the container and the use-cases.

What a user typed is checked here (entrypoints/validate.py) before any container is built;
every failure goes through one boundary (entrypoints/boundary.py) to one line and the exit
code of its kind (entrypoints/exit_codes.py).
"""

import dataclasses
import enum
import gc
import getpass
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from entrypoints import help_texts as texts
from entrypoints import lazy_options, logs
from entrypoints.boundary import BadInput, GuardedGroup
from entrypoints.exit_codes import ExitCode
from entrypoints.help_format import PlainCommand
from entrypoints.run_scope import finish_runs, note_input
from entrypoints.sim_cli import sim_app

if TYPE_CHECKING:
    from entrypoints.results import Result
    from entrypoints.settings import Settings

# Everything past typer is imported inside the command that uses it: the command modules
# (container, adapters, simulator, evidence audit), and also the input checks, the domain
# types, attrs, httpx (alerts) and rich (typer's help renderer is off: help_format.py).
# `--help`, `--version` and a refused option load none of them (issue 14 P3).

SHARED = ("venue", "config", "as_json", "live", "log_level", "log_json")
SUMS = "SHA256SUMS.txt"


class LogLevel(enum.Enum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclasses.dataclass(frozen=True)
class Shared:
    """The options every engine command takes, before or after the command's name."""

    venue: str | None = None
    config: Path | None = None
    as_json: bool = False
    live: bool = False
    log_level: LogLevel | None = None
    log_json: bool = False

    def merged(self, given: dict[str, Any]) -> "Shared":
        return Shared(venue=given.get("venue") or self.venue,
                      config=given.get("config") or self.config,
                      as_json=bool(given.get("as_json")) or self.as_json,
                      live=bool(given.get("live")) or self.live,
                      log_level=given.get("log_level") or self.log_level,
                      log_json=bool(given.get("log_json")) or self.log_json)

    def configure_logging(self) -> None:
        logs.configure(self.log_level.value if self.log_level else "warning", self.log_json)

    def settings(self, **overrides: Any) -> "Settings":
        from entrypoints import alerts
        from entrypoints.replay_context import active_replay
        from entrypoints.settings import load_settings

        replay = active_replay()
        if replay is not None:  # the recorded settings, whatever the options say
            return replay.settings
        settings = load_settings(config_path=self.config, venue=self.venue,
                                 live_confirmed=self.live, overrides=overrides or None)
        if settings.credentials is not None:  # never in a log line either
            logs.SECRETS.add(settings.credentials.values())
        alerts.TARGET.url, alerts.TARGET.venue = settings.alert_webhook_url, settings.venue
        return settings


class EngineCommand(PlainCommand):
    """A command that also accepts the shared options after its name (the root group copies
    its own declarations of them in) and hands them on in ctx.obj."""

    def invoke(self, ctx: Any) -> Any:
        given = {name: ctx.params.pop(name) for name in SHARED if name in ctx.params}
        ctx.obj = (ctx.obj if isinstance(ctx.obj, Shared) else Shared()).merged(given)
        ctx.obj.configure_logging()
        return super().invoke(ctx)

    def get_params(self, ctx: Any) -> list[Any]:
        return lazy_options.installed(super().get_params(ctx))  # as Root.get_params


class Root(GuardedGroup):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        shared = [p for p in self.params if p.name in SHARED]
        for command in self.commands.values():
            if isinstance(command, EngineCommand):
                command.params.extend(shared)

    def get_params(self, ctx: Any) -> list[Any]:
        # pydantic only for a value that needs it (issue 14 P3); here, where the help and
        # completion options typer adds after building the group are in the list too
        return lazy_options.installed(super().get_params(ctx))


app = typer.Typer(name="prometheus-exec", cls=Root, no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None, help=texts.ROOT.text,
                  epilog=texts.ROOT.epilog)
app.add_typer(sim_app, name="sim")


def _version_line() -> str:
    from importlib.metadata import version as dist_version
    return f"prometheus-exec {dist_version('prometheus-exec')}"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(_version_line())
        raise typer.Exit()


@app.callback()
def root(ctx: typer.Context,
         venue: Annotated[str | None, typer.Option(
             metavar="VENUE",
             help="Where to trade: sim (the embedded simulator, default), okx-demo, okx-live, "
                  "sim-binance (the simulator's Binance face), binance-testnet, binance-live.")]
         = None,
         config: Annotated[Path | None, typer.Option(
             metavar="FILE", help="TOML settings file (or PROMETHEUS_CONFIG).")] = None,
         as_json: Annotated[bool, typer.Option(
             "--json", help="Print one JSON object on stdout, nothing else.")] = False,
         live: Annotated[bool, typer.Option("--i-understand-live",
                                            help="Required with --venue okx-live or "
                                                 "binance-live.")] = False,
         log_level: Annotated[LogLevel | None, typer.Option(
             case_sensitive=False,
             help="Log lines on stderr from this level on (default: warning): retries, "
                  "reconnects, clock resyncs and stop confirmations are info.")] = None,
         log_json: Annotated[bool, typer.Option(
             "--log-json", help="Log lines as JSON objects (one a line) on stderr.")] = False,
         _version: Annotated[bool, typer.Option(
             "--version", callback=_print_version, is_eager=True,
             help="Print the version and exit.")] = False,
         ) -> None:
    ctx.obj = Shared(venue, config, as_json, live, log_level, log_json)
    ctx.obj.configure_logging()


class Side(enum.Enum):
    LONG = "long"
    SHORT = "short"


class Tier(enum.Enum):
    A = "A"
    B = "B"


class Regime(enum.Enum):
    """The regimes an operator may name. SHOCK and CHOP run the playbook's exits and stop
    tightening (seed 001 §6); TREND and RANGE are calm regimes that are recorded and end one."""

    TREND = "TREND"
    RANGE = "RANGE"
    CHOP = "CHOP"
    SHOCK = "SHOCK"


def _shared(ctx: typer.Context) -> Shared:
    assert isinstance(ctx.obj, Shared)
    return ctx.obj


def _finish(ctx: typer.Context, result: "Result") -> None:
    from entrypoints import alerts, render
    from entrypoints.results import to_json

    doc = to_json(result)
    finish_runs(doc)  # the run records what is printed, is packaged, and its day sealed
    render.emit(result, _shared(ctx).as_json)
    if result.exit_code is ExitCode.NEEDS_ATTENTION:
        # after the command's own work and its printed result: an alert never delays either
        alerts.notify(result.command, render.human(result).splitlines()[0], doc)
    raise typer.Exit(int(result.exit_code))


def _progress(ctx: typer.Context) -> Any:
    """Steps on stderr for a human (a render.StepPrinter); with --json only the one object is
    printed."""
    from entrypoints import render
    return None if _shared(ctx).as_json else render.StepPrinter()


def _intent_id(given: str | None, prefix: str) -> str:
    from entrypoints import validate
    from entrypoints.replay_context import active_replay

    if given:
        return validate.intent_id(given)
    replay = active_replay()
    if replay is not None and isinstance(replay.inputs.get("intent_id"), str):
        return str(replay.inputs["intent_id"])
    generated = f"{prefix}{time.time_ns() // 1_000_000}"
    note_input("intent_id", generated)  # in the manifest, so a replay sends the same ids
    return generated


def _out(out: Path | None) -> dict[str, Any]:
    from entrypoints import validate

    return {"runs_dir": validate.writable_dir(out, "--out", create=False)} if out else {}


@app.command(cls=EngineCommand, help=texts.PROBE.text, epilog=texts.PROBE.epilog)
def probe(ctx: typer.Context,
          inst: Annotated[str, typer.Option(metavar="INSTID", help="The swap to probe.")]
          = "BTC-USDT-SWAP",
          px: Annotated[str | None, typer.Option(
              metavar="PRICE", help="A fixed limit price instead of the default.")] = None,
          out: Annotated[Path | None, typer.Option(
              metavar="DIR", help="An existing directory for the run directory.")] = None,
          allow_fill: Annotated[bool, typer.Option(
              "--allow-fill", help="Accept a --px at or through the best ask: the order fills "
                                   "and the fill is sold again reduce-only.")] = False,
          ) -> None:
    from entrypoints import validate

    settings = _shared(ctx).settings(**_out(out))
    if settings.exchange != "okx":
        raise BadInput(f"probe is seed 000's OKX PROBE (instId gate, OKX evidence package); "
                       f"venue {settings.venue} is not OKX: use --venue sim, okx-demo or "
                       "okx-live (selfcheck --with-orders checks a Binance venue)")
    inst_id = validate.swap_id(inst, "--inst")
    price = validate.optional_decimal(px, "--px", what="a price")
    if allow_fill and price is None:
        raise BadInput("--allow-fill only makes sense with --px (the default price never "
                       "crosses the book)")
    from entrypoints import commands

    _finish(ctx, commands.probe(settings, inst_id, price, _intent_id(None, "p"),
                                _progress(ctx), allow_fill))


@app.command(cls=EngineCommand, help=texts.SELFCHECK.text, epilog=texts.SELFCHECK.epilog)
def selfcheck(ctx: typer.Context,
              with_orders: Annotated[bool, typer.Option(
                  "--with-orders", help="Also place, see and cancel a far algo stop.")] = False,
              ) -> None:
    settings = _shared(ctx).settings()
    from entrypoints import commands

    _finish(ctx, commands.selfcheck(settings, with_orders, _intent_id(None, "s")))


@app.command(name="open", cls=EngineCommand, help=texts.OPEN.text, epilog=texts.OPEN.epilog)
def open_(ctx: typer.Context,
          symbol: Annotated[str, typer.Option(
              metavar="SYMBOL", help="The perpetual to trade (BTC-USDT-SWAP on OKX, BTCUSDC on "
                                     "Binance).")],
          side: Annotated[Side, typer.Option(help="Long or short.", case_sensitive=False)],
          qty: Annotated[str, typer.Option(
              metavar="CONTRACTS", help="Size of the entry: contracts on OKX, the base asset on "
                                        "Binance (0.01 on BTCUSDC = 0.01 BTC).")],
          stop: Annotated[str, typer.Option(
              metavar="PRICE", help="Trigger of the protective stop (on the mark price).")],
          tp1: Annotated[str, typer.Option(metavar="PRICE", help="First take-profit price.")],
          tp1_qty: Annotated[str, typer.Option(metavar="CONTRACTS", help="Size of TP1.")],
          tp2: Annotated[str, typer.Option(metavar="PRICE", help="Second take-profit price.")],
          tp2_qty: Annotated[str, typer.Option(
              metavar="CONTRACTS", help="Size of TP2; the rest of --qty is the runner.")],
          entry_px: Annotated[str | None, typer.Option(
              metavar="PRICE", help="Enter with a limit order at this price (default: market).")]
          = None,
          tier: Annotated[Tier, typer.Option(help="Signal tier; sets leverage and risk budget.")]
          = Tier.A,
          intent_id: Annotated[str | None, typer.Option(
              metavar="ID", help="Your id for this trade, 1-24 letters or digits (default: "
                                 "generated).")] = None,
          template: Annotated[str, typer.Option(
              metavar="NAME", help="The strategy template of this trade: a losing trade "
                                   "locks it (cooldown.template_s), not other templates.")]
          = "",
          ) -> None:
    import attrs

    from application.open_position import OpenPositionCommand
    from domain.errors import InvalidIntent
    from domain.orders import PositionSide
    from domain.regime import Tier as DomainTier
    from entrypoints import validate

    settings = _shared(ctx).settings()

    passed: tuple[str, ...] = ()
    try:
        inst_id = validate.symbol(symbol, "--symbol", settings.venue)
        if intent_id:  # the request's, like the symbol (a generated one is valid)
            validate.intent_id(intent_id)
        passed = ("request_valid",)
        plan = validate.PlanFields(
            side=PositionSide.LONG if side is Side.LONG else PositionSide.SHORT,
            qty=validate.decimal(qty, "--qty", what="a number of contracts"),
            stop_price=validate.decimal(stop, "--stop", what="a price"),
            tp1_price=validate.decimal(tp1, "--tp1", what="a price"),
            tp1_qty=validate.decimal(tp1_qty, "--tp1-qty", what="a number of contracts"),
            tp2_price=validate.decimal(tp2, "--tp2", what="a price"),
            tp2_qty=validate.decimal(tp2_qty, "--tp2-qty", what="a number of contracts"),
            entry_price=validate.optional_decimal(entry_px, "--entry-px", what="a price"))
        validate.open_plan(plan)
        cmd = OpenPositionCommand.of(inst_id, **attrs.asdict(plan), tier=DomainTier(tier.value),
                                     intent_id=_intent_id(intent_id, "o"), template=template)
    except (BadInput, InvalidIntent) as exc:
        # refused before OpenPosition runs: the candidate still gets its log line
        from entrypoints.refused import log_refused_open

        failed = "plan_valid" if passed else "request_valid"
        log_refused_open(settings, symbol, template, failed, str(exc), passed)
        raise
    from entrypoints import commands

    _finish(ctx, commands.open_position(settings, cmd, _progress(ctx)))


@app.command(cls=EngineCommand, help=texts.CLOSE.text, epilog=texts.CLOSE.epilog)
def close(ctx: typer.Context,
          symbol: Annotated[str, typer.Option(metavar="SYMBOL", help="The swap to close.")]
          ) -> None:
    from entrypoints import validate

    settings = _shared(ctx).settings()
    inst_id = validate.symbol(symbol, "--symbol", settings.venue)
    from entrypoints import commands

    _finish(ctx, commands.close_position(settings, inst_id, _progress(ctx)))


@app.command(cls=EngineCommand, help=texts.HALT.text, epilog=texts.HALT.epilog)
def halt(ctx: typer.Context,
         reason: Annotated[str, typer.Option(help="Why: kept in the incident record.")],
         all_orders: Annotated[bool, typer.Option(
             "--all-orders", help="Cancel every working order and algo, not only ours.")] = False,
         flatten: Annotated[bool, typer.Option(
             "--flatten", help="Close every position reduce-only, then drop its stops.")] = False,
         for_: Annotated[str | None, typer.Option(
             "--for", metavar="DURATION", help="Freeze for 90s/30m/2h/1d instead of until "
                                               "resume.")] = None) -> None:
    from entrypoints import validate

    settings = _shared(ctx).settings()
    if not reason.strip():
        raise BadInput("--reason must say why (it is kept in the incident record)")
    for_s = validate.duration(for_, "--for") if for_ is not None else None
    from application.halt import HaltCommand
    from entrypoints import commands

    _finish(ctx, commands.halt(settings, HaltCommand(
        settings.symbols, all_orders, flatten, reason.strip(), for_s, _who())))


@app.command(cls=EngineCommand, help=texts.RESUME.text, epilog=texts.RESUME.epilog)
def resume(ctx: typer.Context,
           reason: Annotated[str, typer.Option(help="Why: kept in the event log.")] = "") -> None:
    settings = _shared(ctx).settings()
    from application.halt import ResumeCommand
    from entrypoints import commands

    _finish(ctx, commands.resume(settings, ResumeCommand((), reason, _who())))


def _who() -> str:
    try:
        return f"{getpass.getuser()} (pid {os.getpid()})"
    except (KeyError, OSError):
        return f"uid {os.getuid()} (pid {os.getpid()})"


@app.command(cls=EngineCommand, help=texts.MANAGE.text, epilog=texts.MANAGE.epilog)
def manage(ctx: typer.Context,
           symbol: Annotated[str, typer.Option(metavar="SYMBOL",
                                               help="The position's swap.")],
           bar_close: Annotated[str | None, typer.Option(
               metavar="PRICE", help="A bar closed at this price.")] = None,
           regime: Annotated[Regime | None, typer.Option(
               help="The regime of that bar (any case).", case_sensitive=False)] = None,
           ) -> None:
    from entrypoints import validate

    settings = _shared(ctx).settings()
    inst_id = validate.symbol(symbol, "--symbol", settings.venue)
    close_px = validate.optional_decimal(bar_close, "--bar-close", what="a price")
    if regime is not None and close_px is None:
        raise BadInput("--regime describes a closed bar: give --bar-close with it")
    from entrypoints import commands

    _finish(ctx, commands.manage(settings, inst_id, close_px,
                                 regime.value if regime else None, _progress(ctx)))


@app.command(name="regime", cls=EngineCommand, help=texts.REGIME.text,
             epilog=texts.REGIME.epilog)
def regime_shift(ctx: typer.Context,
                 symbol: Annotated[str, typer.Option(metavar="SYMBOL", help="The swap.")],
                 new: Annotated[Regime, typer.Option(
                     "--new", help="The new regime (any case).", case_sensitive=False)],
                 ) -> None:
    from entrypoints import validate

    settings = _shared(ctx).settings()
    inst_id = validate.symbol(symbol, "--symbol", settings.venue)
    from entrypoints import commands

    _finish(ctx, commands.regime(settings, inst_id, new.value, _progress(ctx)))


@app.command(cls=EngineCommand, help=texts.RECOVER.text, epilog=texts.RECOVER.epilog)
def recover(ctx: typer.Context) -> None:
    settings = _shared(ctx).settings()
    from entrypoints import commands

    _finish(ctx, commands.recover(settings, _progress(ctx)))


@app.command(cls=EngineCommand, help=texts.WATCH.text, epilog=texts.WATCH.epilog)
def watch(ctx: typer.Context,
          run_for: Annotated[float | None, typer.Option(
              help="Stop after this many seconds (default: until interrupted).")] = None,
          metrics_port: Annotated[int | None, typer.Option(
              metavar="PORT", help="Serve Prometheus metrics on http://127.0.0.1:PORT/metrics "
                                   "while watching.")] = None,
          dead_man: Annotated[int, typer.Option(
              "--dead-man-s", help="Arm the exchange's cancel-all-after countdown for this "
                                   "many seconds (10-120; 0: off), refreshed while healthy."
          )] = 60) -> None:
    from entrypoints import validate

    seconds = validate.seconds(run_for, "--run-for")
    if metrics_port is not None and not 1 <= metrics_port <= 65535:
        raise BadInput(f"--metrics-port must be a TCP port 1..65535, got {metrics_port}")
    if dead_man != 0 and not 10 <= dead_man <= 120:
        raise BadInput(f"--dead-man-s must be 0 or 10..120 seconds, got {dead_man}")
    settings = _shared(ctx).settings()
    from entrypoints import commands, render

    # JSON Lines with --json: one object per event, the result last
    events = render.JsonLinesPrinter() if _shared(ctx).as_json else _progress(ctx)
    _finish(ctx, commands.watch(settings, seconds, events, metrics_port, dead_man_s=dead_man))


@app.command(cls=EngineCommand, help=texts.STATUS.text, epilog=texts.STATUS.epilog)
def status(ctx: typer.Context) -> None:
    settings = _shared(ctx).settings()
    from entrypoints import commands

    _finish(ctx, commands.status(settings))


@app.command(cls=EngineCommand, help=texts.VERIFY.text, epilog=texts.VERIFY.epilog)
def verify(ctx: typer.Context,
           run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
           events: Annotated[Path | None, typer.Option(
               "--events", help="The state store's event log (state/<venue>/events.jsonl): "
               "check it still holds what the run saw there.")] = None) -> None:
    if not run_dir.is_dir():
        what = "does not exist" if not run_dir.exists() else "is not a directory"
        raise BadInput(f"RUN_DIR {run_dir} {what}")
    if not any(run_dir.glob("m_execution_raw_*")) and not (run_dir / SUMS).exists():
        raise BadInput(f"RUN_DIR {run_dir} is not a run directory: it has no raw evidence "
                       f"and no {SUMS}")
    # verify's report is built by the evidence lane's verify_run as a plain payload
    from entrypoints import reads_day
    from entrypoints.verify import verify_run

    if events is not None and not events.is_file():
        raise BadInput(f"--events {events} is not a file")
    if reads_day.is_day(run_dir):
        code, payload, human = reads_day.verify_day(
            run_dir, lambda segment: verify_run(segment, events))
    else:
        code, payload, human = verify_run(run_dir, events)
    payload = {"exit": ExitCode(code).name, **payload}  # verify names its own outcomes
    print(json.dumps(payload, sort_keys=True) if _shared(ctx).as_json else human, flush=True)
    raise typer.Exit(code)


@app.command(cls=EngineCommand, help=texts.REPLAY.text, epilog=texts.REPLAY.epilog)
def replay(ctx: typer.Context,
           run_dir: Annotated[Path, typer.Argument(help="A run directory.")]) -> None:
    from entrypoints.replay import replay_run  # loads the adapters only when it runs

    code, payload, human = replay_run(run_dir)
    print(json.dumps(payload, sort_keys=True) if _shared(ctx).as_json else human, flush=True)
    raise typer.Exit(code)


@app.command(cls=PlainCommand, help=texts.VERSION.text, epilog=texts.VERSION.epilog)
def version() -> None:
    typer.echo(_version_line())



def main() -> None:
    from entrypoints import startup_gc

    startup_gc.pause()  # resumed where the command's own work starts (startup_gc.py)
    try:
        app()
    finally:
        # The interpreter's last cyclic collection walks every object the command loaded
        # (~86k for `status`: a third of its CPU after the command, issue 14 P3). Nothing it
        # could still free matters at exit: the commands close their runs and files
        # themselves, and Python does not promise finalizers for objects alive at exit.
        gc.freeze()

