"""Progress printers: a reader that went away (a closed pipe) stops the lines, never the
command."""

import io

import pytest

from entrypoints.render import JsonLinesPrinter, StepPrinter


class ClosedPipe(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.tries = 0

    def write(self, text: str) -> int:
        self.tries += 1
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize(("printer", "stream"), [(StepPrinter, "stderr"),
                                                 (JsonLinesPrinter, "stdout")])
def test_a_closed_pipe_stops_the_lines_and_raises_nothing(
        monkeypatch: pytest.MonkeyPatch, printer: type[StepPrinter], stream: str) -> None:
    pipe = ClosedPipe()
    monkeypatch.setattr(f"sys.{stream}", pipe)
    lines = printer()
    lines.step("entry filled")
    lines.step("stop visible")
    assert lines.reader_gone and pipe.tries == 1  # no write tried after the first failure


def test_lines_go_to_their_stream_while_the_reader_is_there(
        capsys: pytest.CaptureFixture[str]) -> None:
    StepPrinter().step("entry filled")
    JsonLinesPrinter().step("stop visible")
    out, err = capsys.readouterr()
    assert err == "  · entry filled\n"
    assert out == '{"event": "stop visible"}\n'
