"""Bad input of every kind: a clear one-line message, the documented exit code, no traceback,
and nothing sent to the exchange (read from the simulator's own request journal).

Each case runs twice, as a person types it and with --json. `reads` marks the cases that must
ask the exchange something first (is the instrument listed? what is the tick size?): those
may read, but never write. Every other case must not reach the exchange at all.
"""

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from adapters.state import JsonFileStateStore
from entrypoints.exit_codes import ExitCode
from tests.cli.conftest import PRICE, Exchange, run_cli
from tests.cli.tamper_proxy import Spoiled

BAD, EXCHANGE, REFUSED = ExitCode.BAD_INPUT, ExitCode.EXCHANGE_FAILED, ExitCode.REFUSED
OPEN = ["open", "--symbol", "BTC-USDT-SWAP", "--side", "long", "--qty", "0.10",
        "--stop", "29400", "--tp1", "30300", "--tp1-qty", "0.04", "--tp2", "30600",
        "--tp2-qty", "0.03"]
CREDS_TOML = 'api_key = "k-1234567"\nsecret = "s-1234567"\npassphrase = "p-1234567"\n'


def open_with(**changes: str) -> list[str]:
    args = list(OPEN)
    for name, value in changes.items():
        option = "--" + name.replace("_", "-")
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    return args


def read_only_dir(tmp: Path) -> Path:
    """A directory this process cannot create files in: mode 0555 binds everyone but root;
    for root, sysfs refuses new files."""
    if os.geteuid() != 0:
        path = tmp / "ro"
        path.mkdir()
        path.chmod(0o555)
        return path
    return Path("/sys")


def body(doc: object) -> bytes:
    return json.dumps(doc).encode()


@attrs.frozen
class Case:
    id: str
    args: list[str]
    code: ExitCode
    fragment: str
    files: dict[str, str | bytes] = attrs.field(factory=dict)
    env: dict[str, str | None] = attrs.field(factory=dict)
    # json field holding the message when a result (not an error) is printed
    field: str = "error"
    reads: bool = False
    tamper: tuple[str, Spoiled] | None = None
    setup: Callable[[Path], None] | None = None
    before: list[list[str]] = attrs.field(factory=list)


def private(name: str, text: str, mode: int = 0o600) -> Callable[[Path], None]:
    def make(tmp: Path) -> None:
        path = tmp / name
        path.write_text(text)
        path.chmod(mode)
    return make


def locked_store(tmp: Path) -> None:
    # another engine process holds the store (flock); closed when the test process ends
    store = JsonFileStateStore(tmp / "state" / "okx-demo" / "state.json")
    store.load()
    HELD.append(store)


HELD: list[JsonFileStateStore] = []

CLI = [
    Case("out-is-a-file", ["probe", "--out", "f.txt"], BAD, "is a file",
         files={"f.txt": "x"}),
    Case("out-missing-dir", ["probe", "--out", "no/such/dir"], BAD, "does not exist"),
    Case("out-read-only-dir", ["probe", "--out", "{readonly}"], BAD, "not writable"),
    Case("config-is-a-dir", ["status", "--config", "."], BAD, "is a directory"),
    Case("config-missing", ["status", "--config", "nope.toml"], BAD, "does not exist"),
    Case("config-not-utf8", ["status", "--config", "c.toml"], BAD, "not UTF-8",
         files={"c.toml": b"venue = '\xff'\n"}),
    Case("config-not-toml", ["status", "--config", "c.toml"], BAD, "not valid TOML",
         files={"c.toml": "[okx\n"}),
    Case("sim-port-too-high", ["sim", "serve", "--port", "70000"], BAD, "--port"),
    Case("sim-port-negative", ["sim", "serve", "--port", "-1"], BAD, "--port"),
    Case("sim-port-not-a-number", ["sim", "serve", "--port", "http"], BAD, "--port"),
    Case("sim-remote-host", ["sim", "serve", "--host", "192.0.2.1", "--port", "0"], BAD,
         "--allow-remote"),
    Case("sim-port-in-use", ["sim", "serve", "--port", "{busy_port}"], BAD,
         "cannot listen"),
    Case("sim-cert-missing", ["sim", "serve", "--port", "0", "--ssl-certfile", "c.pem",
                              "--ssl-keyfile", "k.pem"], BAD, "not a readable file"),
    Case("sim-key-without-cert", ["sim", "serve", "--port", "0", "--ssl-keyfile", "k.pem"],
         BAD, "--ssl-certfile"),
    Case("regime-unknown", ["regime", "--symbol", "BTC-USDT-SWAP", "--new", "FOOBAR"], BAD,
         "FOOBAR"),
    Case("regime-empty", ["regime", "--symbol", "BTC-USDT-SWAP", "--new", ""], BAD, "--new"),
    Case("bar-close-negative", ["manage", "--symbol", "BTC-USDT-SWAP", "--bar-close", "-5"],
         BAD, "--bar-close must be greater than zero"),
    Case("bar-close-text", ["manage", "--symbol", "BTC-USDT-SWAP", "--bar-close", "abc"],
         BAD, "--bar-close must be a price"),
    Case("bar-close-nan", ["manage", "--symbol", "BTC-USDT-SWAP", "--bar-close", "NaN"],
         BAD, "finite"),
    Case("regime-without-bar", ["manage", "--symbol", "BTC-USDT-SWAP", "--regime", "SHOCK"],
         BAD, "--bar-close"),
    Case("run-for-negative", ["watch", "--run-for", "-3"], BAD, "--run-for"),
    Case("run-for-zero", ["watch", "--run-for", "0"], BAD, "--run-for"),
    Case("run-for-infinite", ["watch", "--run-for", "inf"], BAD, "--run-for"),
    Case("run-for-text", ["watch", "--run-for", "soon"], BAD, "--run-for"),
    Case("qty-zero", open_with(qty="0"), BAD, "--qty must be greater than zero"),
    Case("qty-negative", open_with(qty="-1"), BAD, "--qty must be greater than zero"),
    Case("qty-text", open_with(qty="ten"), BAD, "--qty must be a number of contracts"),
    Case("side-unknown", open_with(side="up"), BAD, "--side"),
    Case("tier-unknown", open_with(tier="C"), BAD, "--tier"),
    Case("long-tp1-below-stop", open_with(tp1="29000"), BAD, "--tp1 above --stop"),
    Case("long-tp2-below-tp1", open_with(tp2="30000"), BAD, "--tp2 at or above --tp1"),
    Case("short-tp1-above-stop", open_with(side="short"), BAD, "--tp1 below --stop"),
    Case("tp-sizes-exceed-qty", open_with(tp1_qty="0.08"), BAD, "exceed --qty"),
    Case("entry-outside-plan", open_with(entry_px="31000"), BAD, "--entry-px"),
    Case("intent-id-punctuation", open_with(intent_id="a-b"), BAD, "--intent-id"),
    Case("intent-id-too-long", open_with(intent_id="a" * 25), BAD, "--intent-id"),
    Case("symbol-lower-case", open_with(symbol="btc-usdt-swap"), BAD,
         "did you mean BTC-USDT-SWAP"),
    Case("symbol-missing", OPEN[:1] + OPEN[3:], BAD, "Missing option '--symbol'"),
    Case("stop-off-tick", open_with(stop="29400.05"), BAD, "tickSz", reads=True),
    Case("qty-off-lot", open_with(qty="0.105"), BAD, "lotSz", reads=True),
    Case("template-with-space", [*OPEN, "--template", "has space"], BAD, "template",
         reads=True),
    Case("symbol-not-listed", open_with(symbol="FOO-USDT-SWAP"), BAD, "not a listed",
         reads=True),
    Case("symbol-suspended", open_with(symbol="LTC-USDT-SWAP", stop="60", tp1="80",
                                       tp2="90"), BAD, "not live", reads=True),
    Case("probe-inst-malformed", ["probe", "--inst", "x y"], BAD, "--inst"),
    Case("probe-inst-not-listed", ["probe", "--inst", "FOO-USDT-SWAP"], BAD,
         "absent from public/instruments", field="bad_input", reads=True),
    Case("probe-inst-suspended", ["probe", "--inst", "LTC-USDT-SWAP"], BAD, "not live",
         field="bad_input", reads=True),
    Case("probe-px-text", ["probe", "--px", "cheap"], BAD, "--px must be a price"),
    Case("probe-px-negative", ["probe", "--px", "-5"], BAD, "--px must be greater than zero"),
    Case("probe-px-off-tick", ["probe", "--px", "100.05"], BAD, "tickSz", field="bad_input",
         reads=True),
    Case("unknown-option", ["probe", "--bogus"], BAD, "No such option: --bogus"),
    Case("unknown-command", ["launch"], BAD, "No such command"),
    Case("close-symbol-lower", ["close", "--symbol", "eth-usdt-swap"], BAD, "--symbol"),
    Case("verify-missing", ["verify", "nowhere"], BAD, "does not exist"),
    Case("verify-a-file", ["verify", "f.txt"], BAD, "not a directory", files={"f.txt": ""}),
    Case("verify-not-a-run-dir", ["verify", "."], BAD, "not a run directory"),
]

CONFIG = [
    Case("unknown-top-key", ["status", "--config", "c.toml"], BAD, "runz_dir: unknown key",
         files={"c.toml": "runz_dir = 'x'\n"}),
    Case("unknown-nested-key", ["status", "--config", "c.toml"], BAD, "okx.rest: unknown key",
         files={"c.toml": "[okx]\nrest = 'x'\n"}),
    Case("symbols-a-string", ["status", "--config", "c.toml"], BAD,
         "symbols: expected a list, got a string",
         files={"c.toml": "symbols = 'BTC-USDT-SWAP'\n"}),
    Case("symbols-a-number", ["status", "--config", "c.toml"], BAD, "symbols",
         files={"c.toml": "symbols = [1]\n"}),
    Case("symbols-lower-case", ["status", "--config", "c.toml"], BAD, "symbols[1]",
         files={"c.toml": "symbols = ['BTC-USDT-SWAP', 'btc']\n"}),
    Case("symbols-empty", ["status", "--config", "c.toml"], BAD, "at least one",
         files={"c.toml": "symbols = []\n"}),
    Case("symbols-repeated", ["status", "--config", "c.toml"], BAD, "more than once",
         files={"c.toml": "symbols = ['BTC-USDT-SWAP', 'BTC-USDT-SWAP']\n"}),
    Case("symbols-not-listed", ["watch", "--run-for", "1", "--config", "c.toml"], BAD,
         "FOO-USDT-SWAP is not a listed", reads=True,
         files={"c.toml": "symbols = ['BTC-USDT-SWAP', 'FOO-USDT-SWAP']\n"}),
    Case("clock-skew-negative", ["selfcheck", "--config", "c.toml"], BAD,
         "engine.max_clock_skew_ms: -5 is outside",
         files={"c.toml": "[engine]\nmax_clock_skew_ms = -5\n"}),
    Case("deadline-a-string", ["status", "--config", "c.toml"], BAD,
         "okx.write_deadline_ms: expected an integer",
         files={"c.toml": "[okx]\nwrite_deadline_ms = 'abc'\n"}),
    Case("td-mode-unknown", ["status", "--config", "c.toml"], BAD, "okx.td_mode",
         files={"c.toml": "[okx]\ntd_mode = 'both'\n"}),
    Case("rest-url-ftp", ["status", "--config", "c.toml"], BAD, "okx.rest_url",
         files={"c.toml": "[okx]\nrest_url = 'ftp://x.example'\n"}),
    Case("giveback-out-of-range", ["status", "--config", "c.toml"], BAD,
         "params.runner.giveback: 1.5 is outside",
         files={"c.toml": "[params.runner]\ngiveback = 1.5\n"}),
    Case("leverage-zero", ["status", "--config", "c.toml"], BAD, "params.tiers.A.leverage",
         files={"c.toml": "[params.tiers.A]\nleverage = 0\n"}),
    Case("params-not-a-table", ["status", "--config", "c.toml"], BAD, "params.runner",
         files={"c.toml": "[params]\nrunner = 3\n"}),
    Case("params-float-where-int", ["status", "--config", "c.toml"], BAD,
         "params.cooldown.loss_s: expected an integer",
         files={"c.toml": "[params.cooldown]\nloss_s = 1.5\n"}),
    Case("venue-unknown", ["status", "--config", "c.toml"], BAD, "venue: expected one of",
         files={"c.toml": "venue = 'paper'\n"}, env={"PROMETHEUS_VENUE": None}),
    Case("pos-mode-unknown", ["status", "--config", "c.toml"], BAD,
         "engine.required_pos_mode", files={"c.toml": "[engine]\nrequired_pos_mode = 'x'\n"}),
    Case("runs-dir-a-number", ["status", "--config", "c.toml"], BAD, "runs_dir",
         files={"c.toml": "runs_dir = 5\n"}),
    Case("runs-dir-a-file", ["status", "--config", "c.toml"], BAD, "runs_dir f.txt is a file",
         files={"c.toml": "runs_dir = 'f.txt'\n", "f.txt": ""}),
]

ENVIRONMENT = [
    Case("venue-env-unknown", ["status"], BAD, "PROMETHEUS_VENUE",
         env={"PROMETHEUS_VENUE": "nope"}),
    Case("venue-option-unknown", ["status", "--venue", "nope"], BAD, "--venue"),
    Case("live-without-flag", ["status", "--venue", "okx-live"], BAD, "--i-understand-live"),
    Case("config-env-missing", ["status"], BAD, "does not exist",
         env={"PROMETHEUS_CONFIG": "gone.toml"}),
    Case("rest-url-not-a-url", ["status"], BAD, "OKX_REST_URL",
         env={"OKX_REST_URL": "localhost:18080"}),
    Case("ws-url-http", ["status"], BAD, "OKX_WS_URL", env={"OKX_WS_URL": "http://x.example"}),
    Case("passphrase-missing", ["status"], BAD, "OKX_API_PASSPHRASE not set",
         env={"OKX_API_PASSPHRASE": None}),
    Case("key-with-newline", ["status"], BAD, "OKX_API_KEY has leading or trailing",
         env={"OKX_API_KEY": "cli-key-0001\n"}),
    Case("demo-without-credentials", ["status"], BAD, "needs OKX_API_KEY",
         env={"OKX_API_KEY": None, "OKX_API_SECRET": None, "OKX_API_PASSPHRASE": None}),
]

NO_ENV_KEYS: dict[str, str | None] = {"OKX_API_KEY": None, "OKX_API_SECRET": None,
                                      "OKX_API_PASSPHRASE": None}
CREDENTIAL_FILES = [
    Case("creds-file-missing", ["status"], BAD, "does not exist",
         env={**NO_ENV_KEYS, "OKX_CREDENTIALS_FILE": "nope.toml"}),
    Case("creds-file-group-readable", ["status"], BAD, "chmod 600",
         env={**NO_ENV_KEYS, "OKX_CREDENTIALS_FILE": "k.toml"},
         setup=private("k.toml", CREDS_TOML, 0o640)),
    Case("creds-file-a-directory", ["status"], BAD, "not a regular file",
         env={**NO_ENV_KEYS, "OKX_CREDENTIALS_FILE": "."}),
    Case("creds-file-not-toml", ["status"], BAD, "not valid TOML",
         env={**NO_ENV_KEYS, "OKX_CREDENTIALS_FILE": "k.toml"},
         setup=private("k.toml", "api_key = \n")),
    Case("creds-file-no-passphrase", ["status"], BAD, "passphrase: required",
         env={**NO_ENV_KEYS, "OKX_CREDENTIALS_FILE": "k.toml"},
         setup=private("k.toml", CREDS_TOML.rsplit("passphrase", 1)[0])),
    Case("creds-file-extra-key", ["status"], BAD, "apikey: unknown key",
         env={**NO_ENV_KEYS, "OKX_CREDENTIALS_FILE": "k.toml"},
         setup=private("k.toml", CREDS_TOML + "apikey = 'x'\n")),
    Case("creds-file-empty-secret", ["status"], BAD, "secret: is empty",
         env={**NO_ENV_KEYS, "OKX_CREDENTIALS_FILE": "k.toml"},
         setup=private("k.toml", CREDS_TOML.replace('"s-1234567"', '""'))),
    Case("creds-file-number", ["status"], BAD, "api_key: expected a string, got an integer",
         env={**NO_ENV_KEYS, "OKX_CREDENTIALS_FILE": "k.toml"},
         setup=private("k.toml", CREDS_TOML.replace('"k-1234567"', "1234567"))),
]

STATE = "state/okx-demo/state.json"
STATE_FILES = [
    Case("state-not-json", ["status"], BAD, "not valid JSON", files={STATE: "{bad"}),
    Case("state-not-utf8", ["status"], BAD, "state", files={STATE: b"\xff\xfe{}"}),
    Case("state-wrong-shape", ["status"], BAD, "state", files={STATE: '{"symbols": 3}'}),
    Case("state-is-a-directory", ["status"], BAD, "state",
         files={STATE + "/x": ""}),
    Case("state-under-a-file", ["status", "--config", "c.toml"], BAD, "state",
         files={"c.toml": "state_path = 'f.txt/state.json'\n", "f.txt": ""}),
    # status reads a snapshot of a locked store (issue 13); recover needs the lock itself
    Case("state-locked", ["recover"], BAD, "locked by process", setup=locked_store),
]

REFUSALS = [
    Case("over-risk-budget", open_with(qty="500", tp1_qty="200", tp2_qty="200"), REFUSED,
         "risk", field="reason", reads=True),
    Case("shock-lock", OPEN, REFUSED, "shock", field="reason", reads=True,
         before=[["regime", "--symbol", "BTC-USDT-SWAP", "--new", "SHOCK"]]),
]


def spoil(path: str, status: int, raw: bytes, kind: str = "application/json"
          ) -> tuple[str, Spoiled]:
    return path, Spoiled(status, raw, kind)


HUGE = b'{"code":"0","msg":"","data":[{"instId":"' + b"x" * (17 * 1024 * 1024) + b'"}]}'
ANSWERS = [
    Case("positions-not-json", ["status"], EXCHANGE, "not an OKX envelope", reads=True,
         tamper=spoil("account/positions", 200, b"hello")),
    Case("positions-html-502", ["status"], EXCHANGE, "unavailable", reads=True,
         tamper=spoil("account/positions", 502, b"<html><h1>502 Bad Gateway</h1></html>",
                      "text/html")),
    Case("positions-truncated", ["status"], EXCHANGE, "not an OKX envelope", reads=True,
         tamper=spoil("account/positions", 200, b'{"code":"0","msg":"","data":[{"inst')),
    Case("positions-data-not-a-list", ["status"], EXCHANGE, "data is not an array",
         reads=True, tamper=spoil("account/positions", 200,
                                  body({"code": "0", "msg": "", "data": {"x": 1}}))),
    Case("positions-wrong-types", ["status"], EXCHANGE, "Position payload", reads=True,
         tamper=spoil("account/positions", 200, body(
             {"code": "0", "msg": "", "data": [{"instId": "BTC-USDT-SWAP", "pos": {}}]}))),
    Case("positions-missing-size", ["status"], EXCHANGE, "pos", reads=True,
         tamper=spoil("account/positions", 200, body(
             {"code": "0", "msg": "", "data": [{"instId": "BTC-USDT-SWAP",
                                                "posSide": "net"}]}))),
    Case("positions-huge-body", ["status"], EXCHANGE, "larger than", reads=True,
         tamper=spoil("account/positions", 200, HUGE)),
    Case("positions-not-utf8", ["status"], EXCHANGE, "not an OKX envelope", reads=True,
         tamper=spoil("account/positions", 200, b'{"code":"0","msg":"\xff","data":[]}')),
    Case("positions-empty-body", ["status"], EXCHANGE, "not an OKX envelope", reads=True,
         tamper=spoil("account/positions", 200, b"")),
    Case("instruments-html-502", OPEN, EXCHANGE, "unavailable", reads=True,
         tamper=spoil("public/instruments", 502, b"<html>Bad Gateway</html>", "text/html")),
    Case("instruments-missing-fields", OPEN, EXCHANGE, "Instrument payload", reads=True,
         tamper=spoil("public/instruments", 200, body(
             {"code": "0", "msg": "", "data": [{"instId": "BTC-USDT-SWAP"}]}))),
    Case("instruments-wrong-types", OPEN, EXCHANGE, "Instrument payload", reads=True,
         tamper=spoil("public/instruments", 200, body(
             {"code": "0", "msg": "", "data": [{"instId": 7, "tickSz": [], "state": 1}]}))),
    Case("balance-not-json", OPEN, EXCHANGE, "not an OKX envelope", reads=True,
         tamper=spoil("account/balance", 200, b"<?xml version='1.0'?><error/>")),
    Case("mark-price-no-data", OPEN, EXCHANGE, "mark", reads=True,
         tamper=spoil("public/mark-price", 200, body({"code": "0", "msg": "", "data": []}))),
]

CASES = CLI + CONFIG + ENVIRONMENT + CREDENTIAL_FILES + STATE_FILES + REFUSALS + ANSWERS


def test_the_table_is_as_large_as_promised() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


def _prepare(case: Case, tmp: Path, exchange: Exchange) -> tuple[list[str], dict[str, str | None]]:
    exchange.fresh()
    for name, content in case.files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    if case.setup is not None:
        case.setup(tmp)
    env = {**exchange.env(), **case.env}
    for command in case.before:
        assert run_cli(command, env).code == 0
    exchange.fresh()
    if case.tamper is not None:
        exchange.tamper.rules[case.tamper[0]] = case.tamper[1]
    places = {"{busy_port}": exchange.sim.rest_url.rsplit(":", 1)[1]}
    if "{readonly}" in case.args:
        places["{readonly}"] = str(read_only_dir(tmp))
    args = [places.get(a, a) for a in case.args]
    return args, env


def _nothing_sent(case: Case, exchange: Exchange) -> None:
    if case.reads:
        assert exchange.writes() == [], f"{case.id} sent {exchange.writes()}"
    else:
        assert exchange.requests() == [], f"{case.id} reached the exchange"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_in_one_line_with_its_exit_code_and_sends_nothing(
        case: Case, workdir: Path, exchange: Exchange) -> None:
    try:
        args, env = _prepare(case, workdir, exchange)
        # `sim serve` has no options of the engine's: its --json goes before the command
        as_json = run_cli(["--json", *args] if args[0] == "sim" else [*args, "--json"], env)
        _nothing_sent(case, exchange)
        assert as_json.code == case.code, as_json
        assert as_json.stderr == "", as_json.stderr
        payload = as_json.payload
        assert payload["exit_code"] == case.code
        assert case.fragment in str(payload[case.field]), payload

        exchange.sim.reset()
        exchange.sim.set_price("BTC-USDT-SWAP", PRICE)
        human = run_cli(args, env)
        _nothing_sent(case, exchange)
        assert human.code == case.code
        assert "Traceback" not in human.stdout + human.stderr
        if case.field == "error":
            assert human.stdout == ""
            lines = [line for line in human.stderr.splitlines() if not line.startswith("  · ")]
            assert len(lines) == 1 and lines[0].startswith("error: "), human.stderr
            assert case.fragment in lines[0]
        else:
            assert case.fragment in human.stdout
    finally:
        while HELD:
            HELD.pop().close()
        ro = workdir / "ro"
        if ro.exists():
            ro.chmod(stat.S_IRWXU)
