"""`prometheus-exec sim serve`: run the simulator in the foreground (mounted by cli.py), with
OKX's face or Binance USDⓈ-M's (`--exchange okx|binance`)."""

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints import help_texts as texts
from entrypoints.boundary import BadInput, GuardedGroup
from entrypoints.help_format import PlainCommand

if TYPE_CHECKING:
    from simulator.runtime import SimSettings

sim_app = typer.Typer(name="sim", help="The exchange simulator (OKX or Binance USDⓈ-M face).",
                      no_args_is_help=True, add_completion=False, cls=GuardedGroup,
                      pretty_exceptions_enable=False, rich_markup_mode=None)
EXCHANGES = ("okx", "binance")


@sim_app.callback()
def sim() -> None:
    """The exchange simulator: a separate exchange on loopback, OKX's or Binance's face."""


def _mask(secret: str) -> str:
    return secret[:2] + "*" * max(len(secret) - 2, 4)


@sim_app.command(cls=PlainCommand, help=texts.SIM_SERVE.text, epilog=texts.SIM_SERVE.epilog)
def serve(
    host: Annotated[str, typer.Option(
        metavar="HOST", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(
        metavar="PORT", help="TCP port (0 = any free port).", min=0, max=65535)] = 18080,
    exchange: Annotated[str, typer.Option(
        metavar="okx|binance", help="Which exchange's face: okx or binance.")] = "okx",
    api_key: Annotated[str | None, typer.Option(
        metavar="KEY", help="API key it accepts (default: random).")] = None,
    secret: Annotated[str | None, typer.Option(
        metavar="SECRET", help="Secret key (default: random).")] = None,
    passphrase: Annotated[str | None, typer.Option(
        metavar="PASSPHRASE", help="OKX passphrase (default: random); Binance keys have none.")
    ] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of price paths and faults.")] = 7,
    demo: Annotated[bool, typer.Option("--demo/--live",
                                       help="Demo keys (x-simulated-trading: 1) or live.")] =
    True,
    virtual_clock: Annotated[bool, typer.Option(help="Freeze time; step it via /sim/clock.")] =
    False,
    rate_limits: Annotated[bool, typer.Option(help="Enforce the exchange's rate limits.")] =
    True,
    ban_after_429s: Annotated[int | None, typer.Option(
        metavar="N", help="Binance: ban the IP (HTTP 418) after this many 429s in a minute.",
        min=1)] = None,
    allow_remote: Annotated[bool, typer.Option(help="Allow a non-loopback host.")] = False,
    ssl_certfile: Annotated[str | None, typer.Option(
        metavar="FILE", help="Serve TLS with this cert.")] = None,
    ssl_keyfile: Annotated[str | None, typer.Option(
        metavar="FILE", help="Key of --ssl-certfile.")] = None,
) -> None:
    from simulator.runtime import SimRuntime, SimSettings
    from simulator.server import bind, is_loopback, make_server

    if exchange not in EXCHANGES:
        raise BadInput(f"unknown exchange {exchange!r}: use okx or binance")
    if exchange == "binance" and passphrase is not None:
        raise BadInput("Binance keys have no passphrase: drop --passphrase")
    if exchange == "okx" and ban_after_429s is not None:
        raise BadInput("--ban-after-429s is Binance's (OKX answers 50011 without bans)")
    if not is_loopback(host) and not allow_remote:
        raise BadInput(f"refusing to listen on non-loopback host {host!r} without "
                       "--allow-remote")
    _check_tls(ssl_certfile, ssl_keyfile)
    generated = secret is None
    settings = SimSettings(
        api_key=api_key or secrets.token_hex(8), secret=secret or secrets.token_hex(16),
        passphrase=passphrase or secrets.token_hex(6), mode="demo" if demo else "live",
        seed=seed, virtual_clock=virtual_clock, rate_limits=rate_limits, exchange=exchange,
        ban_after_429s=ban_after_429s, ws_ping_interval_s=180.0)
    try:
        sock = bind(host, port)
    except OSError as err:
        raise BadInput(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    _banner(settings, host, sock.getsockname()[1], tls=ssl_certfile is not None,
            show_secret=generated)
    server = make_server(SimRuntime(settings), ssl_certfile, ssl_keyfile, log_level="info")
    from entrypoints import startup_gc

    startup_gc.resume()  # a long-running server: the collector runs (startup_gc.py)
    server.run(sockets=[sock])


def _check_tls(certfile: str | None, keyfile: str | None) -> None:
    if keyfile and not certfile:
        raise BadInput("--ssl-keyfile needs --ssl-certfile")
    for option, name in (("--ssl-certfile", certfile), ("--ssl-keyfile", keyfile)):
        if name and not Path(name).is_file():
            raise BadInput(f"{option} {name} is not a readable file")


def _banner(settings: "SimSettings", host: str, port: int, tls: bool, show_secret: bool) -> None:
    http, ws = ("https", "wss") if tls else ("http", "ws")
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if settings.exchange == "binance":
        _binance_banner(settings, f"{http}://{where}", f"{ws}://{where}", show_secret)
        return
    typer.echo(f"OKX simulator ({settings.mode}, seed {settings.seed})")
    typer.echo(f"  REST      {http}://{where}/api/v5/")
    typer.echo(f"  WebSocket {ws}://{where}/ws/v5/{{public,private,business}}")
    typer.echo(f"  admin     {http}://{where}/sim/")
    typer.echo(f"  api key    {settings.api_key}")
    typer.echo(f"  secret     {settings.secret if show_secret else _mask(settings.secret)}")
    typer.echo(f"  passphrase {settings.passphrase}")
    typer.echo(f"  header     x-simulated-trading: {'1' if settings.mode == 'demo' else '0'}")


def _binance_banner(settings: "SimSettings", rest: str, ws: str, show_secret: bool) -> None:
    typer.echo(f"Binance USDⓈ-M simulator (seed {settings.seed})")
    typer.echo(f"  REST      {rest}/fapi/  (v1, v2, v3)")
    typer.echo(f"  streams   {ws}/ws/<stream|listenKey>  {ws}/stream?streams=...")
    typer.echo(f"            {ws}/public|market|private/...  (2026 routes)")
    typer.echo(f"  admin     {rest}/sim/")
    typer.echo(f"  api key   {settings.api_key}")
    typer.echo(f"  secret    {settings.secret if show_secret else _mask(settings.secret)}")
