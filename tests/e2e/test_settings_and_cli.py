"""Settings, the container's venue rules, and the CLI's exit codes for bad input."""

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.okx import OkxCredentials
from entrypoints.cli import app
from entrypoints.container import build_container, container_config
from entrypoints.settings import SettingsError, load_settings
from ports.exchange import ExchangeAdapter

CREDS = {"OKX_API_KEY": "k-123456", "OKX_API_SECRET": "s-123456", "OKX_API_PASSPHRASE": "p-1234"}


def test_with_no_credentials_the_venue_is_the_simulator() -> None:
    settings = load_settings(env={})
    assert settings.venue == "sim" and settings.credentials is None
    assert settings.state_path == Path("state/sim/state.json")


def test_credentials_alone_never_select_a_real_venue() -> None:
    assert load_settings(env=CREDS).venue == "sim"


def test_a_real_venue_needs_credentials_and_live_needs_the_explicit_flag() -> None:
    with pytest.raises(SettingsError, match="needs OKX_API_KEY"):
        load_settings(env={}, venue="okx-demo")
    with pytest.raises(SettingsError, match="i-understand-live"):
        load_settings(env=CREDS, venue="okx-live")
    live = load_settings(env=CREDS, venue="okx-live", live_confirmed=True)
    assert live.venue == "okx-live" and not live.demo
    assert live.state_path == Path("state/okx-live/state.json")


def test_incomplete_credentials_are_named() -> None:
    with pytest.raises(SettingsError, match="OKX_API_PASSPHRASE"):
        load_settings(env={k: v for k, v in CREDS.items() if k != "OKX_API_PASSPHRASE"},
                      venue="okx-demo")


def test_a_credentials_file_must_be_private(tmp_path: Path) -> None:
    file = tmp_path / "okx.toml"
    file.write_text('api_key = "k-123456"\nsecret = "s-123456"\npassphrase = "p-1234"\n')
    os.chmod(file, 0o644)
    env = {"OKX_CREDENTIALS_FILE": str(file)}
    with pytest.raises(SettingsError, match="readable by others"):
        load_settings(env=env, venue="okx-demo")
    os.chmod(file, 0o600)
    settings = load_settings(env=env, venue="okx-demo")
    assert settings.credentials is not None
    assert "s-123456" not in repr(settings)


def test_a_config_file_with_an_unknown_key_or_a_bad_parameter_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("venue = 'sim'\nrunz_dir = 'x'\n")
    with pytest.raises(SettingsError, match="runz_dir"):
        load_settings(env={}, config_path=config)
    config.write_text("[params.runner]\ngiveback = 1.5\n")
    with pytest.raises(SettingsError, match=r"runner\.giveback"):
        load_settings(env={}, config_path=config)
    config.write_text("[params.runner]\ngiveback = 0.35\n")
    assert str(load_settings(env={}, config_path=config).params.runner.giveback) == "0.35"


def test_live_refuses_any_host_but_okx_over_tls() -> None:
    live = load_settings(env={**CREDS, "OKX_REST_URL": "http://127.0.0.1:18080"},
                         venue="okx-live", live_confirmed=True)
    with pytest.raises(SettingsError, match=r"okx\.com"):
        container_config(live, run_prefix="x", labels={})
    ok = load_settings(env={**CREDS, "OKX_REST_URL": "https://eea.okx.com"}, venue="okx-live",
                       live_confirmed=True)
    assert container_config(ok, run_prefix="x", labels={})["okx"]["demo"] is False


def test_the_container_resolves_every_use_case_and_lets_tests_swap_the_exchange(
        tmp_path: Path) -> None:
    from tests.fake_venue import FakeExchange
    from tests.fakes import FakeClock

    settings = load_settings(env=CREDS, venue="okx-demo",
                             overrides={"runs_dir": tmp_path, "state_path": tmp_path / "s.json"})
    container = build_container(container_config(settings, run_prefix="t", labels={}))
    assert isinstance(container.adapters.exchange(), ExchangeAdapter)
    fake = FakeExchange(FakeClock())
    swapped = ExchangeAdapter(fake.market, fake.account, fake.orders, fake.algos, fake.streams)
    with container.adapters.exchange.override(swapped):
        for name in ("engine", "probe", "selfcheck", "open_position", "manage_position",
                     "regime_shift", "recover", "close_position", "status", "watch"):
            use_case = getattr(container.use_cases, name)()
            roles = [v for v in vars(use_case).values()
                     if v in (fake.market, fake.account, fake.orders, fake.algos, fake.streams)]
            nested = [v for v in vars(use_case).values() if hasattr(v, "execute")]
            assert roles or nested, name
    assert isinstance(container.config.credentials(), OkxCredentials)


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    lines = (result.stdout or result.stderr).strip().splitlines()
    return result.exit_code, json.loads(lines[-1]) if lines else {}


def test_bad_input_exits_2_before_anything_is_sent(tmp_path: Path) -> None:
    code, out = invoke("probe", "--venue", "okx-live", "--out", str(tmp_path), env=CREDS)
    assert code == 2 and "i-understand-live" in out["error"]
    code, out = invoke("probe", "--px", "100.05", "--out", str(tmp_path))
    assert code == 2 and out["order_placed"] is False and "tickSz" in out["bad_input"]
    result = CliRunner().invoke(app, ["open", "--symbol", "BTC-USDT-SWAP", "--side", "up",
                                      "--qty", "1", "--stop", "1", "--tp1", "2", "--tp1-qty",
                                      "1", "--tp2", "3", "--tp2-qty", "1"])
    assert result.exit_code == 2


def test_open_with_an_impossible_plan_exits_2_and_sends_no_order(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'runs_dir = "{tmp_path}"\nstate_path = "{tmp_path / "s.json"}"\n')
    code, out = invoke("open", "--config", str(config), "--symbol", "BTC-USDT-SWAP",
                       "--side", "long", "--qty", "0.10", "--stop", "29400.05", "--tp1",
                       "30300", "--tp1-qty", "0.04", "--tp2", "30600", "--tp2-qty", "0.03")
    assert code == 2 and "tickSz" in out["error"]


def test_status_and_recover_run_on_the_embedded_simulator(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'runs_dir = "{tmp_path}"\nstate_path = "{tmp_path / "s.json"}"\n')
    code, out = invoke("status", "--config", str(config))
    assert code == 0 and out["symbols"][0]["symbol"] == "BTC-USDT-SWAP"
    code, out = invoke("recover", "--config", str(config))
    assert code == 0 and out["symbols"] == []


def test_short_credentials_still_run_and_are_redacted_by_name(tmp_path: Path) -> None:
    from tests.e2e.harness import world

    with world(tmp_path) as w:
        short = {"OKX_API_KEY": "k1", "OKX_API_SECRET": "s1", "OKX_API_PASSPHRASE": "p1"}
        # the simulator accepts only its own keys: these get 50111, and still no crash
        settings = load_settings(env={**w.env(), **short}, venue="okx-demo",
                                 overrides={"runs_dir": tmp_path / "runs",
                                            "state_path": tmp_path / "s.json"})
        container = build_container(container_config(settings, run_prefix="t", labels={}))
        assert container.config.secrets() == []
        from application.selfcheck import RunSelfCheck, SelfCheck, SelfCheckDone
        from entrypoints.container import Application

        async def check(c: Application) -> SelfCheckDone:
            use_case: SelfCheck = c.use_cases.selfcheck()
            return await use_case.execute(RunSelfCheck(
                "okx-demo", ("BTC-USDT-SWAP",), "sc2", with_ws=False))
        from entrypoints.lifecycle import run
        done = run(container, check, uses_store=False)
        keys = next(c for c in done.checks if c.name == "keys match venue and can trade")
        assert not keys.passed and "50111" in keys.detail
        run_dir = container.adapters.run_dir()
    raw = (run_dir / "m_execution_raw_part_0001.jsonl").read_text()
    assert '"p1"' not in raw and "[redacted]" in raw


def test_a_second_engine_on_the_same_store_exits_2_naming_the_holder(tmp_path: Path) -> None:
    from adapters.state import JsonFileStateStore

    held = JsonFileStateStore(tmp_path / "s.json")
    held.load()
    config = tmp_path / "c.toml"
    config.write_text(f'runs_dir = "{tmp_path}"\nstate_path = "{tmp_path / "s.json"}"\n')
    try:
        code, out = invoke("recover", "--config", str(config))
        # status only looks: it reads the holder's last flush without the lock (issue 13)
        looked, _ = invoke("status", "--config", str(config))
    finally:
        held.close()
    assert code == 2 and f"locked by process {os.getpid()}" in out["error"]
    assert looked == 0


def test_a_human_run_shows_each_step_on_stderr_and_json_runs_do_not(tmp_path: Path) -> None:
    human = CliRunner().invoke(app, ["probe", "--out", str(tmp_path)])
    assert human.exit_code == 0
    steps = [line for line in human.stderr.splitlines() if line.startswith("  · ")]
    assert [s.split(":")[0] for s in steps[:2]] == ["  · instruments", "  · account config"]
    assert "  · cancel: accepted" in steps
    quiet = CliRunner().invoke(app, ["probe", "--out", str(tmp_path), "--json"])
    assert quiet.stderr == "" and json.loads(quiet.stdout)["run_dir"]


@pytest.mark.parametrize("command", ["selfcheck", "status", "recover"])
def test_every_json_payload_names_its_run_dir(tmp_path: Path, command: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'runs_dir = "{tmp_path}"\nstate_path = "{tmp_path / "s.json"}"\n')
    code, out = invoke(command, "--config", str(config))
    assert code == 0 and Path(out["run_dir"]).is_dir()
