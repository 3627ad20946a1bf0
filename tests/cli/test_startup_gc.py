"""The GC pause of a command's start-up (entrypoints/startup_gc.py): paused by the CLI's
main(), resumed (start-up's objects frozen, the collector on) where the command's work
starts, and never left off."""

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from entrypoints import startup_gc


@pytest.fixture
def collector() -> Iterator[None]:
    assert gc.isenabled()
    try:
        yield
    finally:
        startup_gc.resume()
        gc.enable()
        gc.unfreeze()


def test_pause_stops_the_collector_and_resume_freezes_and_restarts_it(collector: None) -> None:
    startup_gc.pause()
    assert not gc.isenabled() and startup_gc.paused()
    startup_gc.resume()
    assert gc.isenabled() and not startup_gc.paused()
    assert gc.get_freeze_count() > 0  # start-up's objects left the collected generations
    gc.unfreeze()
    startup_gc.resume()  # a second resume changes nothing
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_resume_without_a_pause_freezes_nothing(collector: None) -> None:
    startup_gc.resume()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_collector_switched_off_by_someone_else_stays_off(collector: None) -> None:
    gc.disable()
    startup_gc.pause()
    startup_gc.resume()
    assert not gc.isenabled() and gc.get_freeze_count() == 0


# the CLI's main() in a fresh interpreter, with the collector's state read after the command
AFTER_STATUS = ("import gc, json, sys\n"
                "from entrypoints import cli\n"
                "seen = {}\n"
                "def note_exit(*_):\n"
                "    seen.update(enabled=gc.isenabled(), frozen=gc.get_freeze_count())\n"
                "cli.gc = type('G', (), {'freeze': staticmethod(note_exit)})\n"
                "sys.argv = ['prometheus-exec', *sys.argv[1:]]\n"
                "try:\n"
                "    cli.main()\n"
                "except SystemExit as stop:\n"
                "    seen['code'] = stop.code\n"
                "print(json.dumps(seen), file=sys.stderr)")


@pytest.mark.parametrize(("args", "resumed"), [(["status", "--json"], True),
                                               (["--version"], False)])
def test_main_pauses_start_up_and_the_command_resumes_it(tmp_path: Path, args: list[str],
                                                          resumed: bool) -> None:
    ran = subprocess.run([sys.executable, "-c", AFTER_STATUS, *args], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    seen = json.loads(ran.stderr.strip().splitlines()[-1])
    assert seen["code"] in (0, None), ran.stderr
    # status reached lifecycle.run: the collector is on again, start-up frozen; --version
    # never starts work and exits with the collector still paused
    assert seen["enabled"] is resumed
    assert (seen["frozen"] > 0) is resumed


def test_sim_serve_resumes_the_collector_before_it_serves(
        collector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import simulator.server
    from entrypoints.cli import app

    seen: dict[str, object] = {}

    class Server:  # stands in for uvicorn's: records the collector's state when it would serve
        def run(self, sockets: list[object]) -> None:
            seen.update(enabled=gc.isenabled(), frozen=gc.get_freeze_count())
            for sock in sockets:
                sock.close()  # type: ignore[attr-defined]

    monkeypatch.setattr(simulator.server, "make_server", lambda *_, **__: Server())
    startup_gc.pause()
    ran = CliRunner().invoke(app, ["sim", "serve", "--port", "0", "--api-key", "k",
                                   "--secret", "s", "--passphrase", "p"])
    assert ran.exit_code == 0, ran.output
    assert seen["enabled"] is True and isinstance(seen["frozen"], int) and seen["frozen"] > 0
