"""Output: one JSON object with --json (entrypoints/results.py), a short summary otherwise."""

import json
import os
import sys
from functools import singledispatch
from typing import Any, TextIO

from domain.incident import FOREVER
from entrypoints.results import (
    Forwarded,
    HaltResult,
    PositionResult,
    PositionView,
    ProbeResult,
    RecoverResult,
    Result,
    SelfCheckResult,
    StatusResult,
    WatchResult,
    to_json,
)
from entrypoints.status_table import status_table


class _Lines:
    """A progress line is a courtesy: when its reader is gone (a pipe closed early, as by
    `| head`, or a lost terminal) printing stops and the command goes on. A write error raised
    here would abort a trade half done (an entry filled, its take-profits never placed); the
    run directory still records the command and its outcome."""

    def __init__(self) -> None:
        self.reader_gone = False

    def _print(self, line: str, stream: TextIO) -> None:
        if self.reader_gone:
            return
        try:
            print(line, file=stream, flush=True)
        except OSError:
            self.reader_gone = True
            _quiet(stream)


class StepPrinter(_Lines):
    """Progress for a human: each step on stderr as it happens (stdout keeps the summary)."""

    def step(self, text: str) -> None:
        self._print(f"  · {text}", sys.stderr)


class JsonLinesPrinter(_Lines):
    """watch --json: each event as one JSON object on stdout, as it happens; the result
    object is the last line (JSON Lines)."""

    def step(self, text: str) -> None:
        self._print(json.dumps({"event": text}, ensure_ascii=False), sys.stdout)


def emit(result: Result, as_json: bool) -> None:
    """The summary on stdout. A reader gone by now changes nothing the command did: its exit
    code stays the command's (the run directory holds the same result)."""
    text = json.dumps(to_json(result), sort_keys=True) if as_json else human(result)
    try:
        print(text, flush=True)
    except OSError:
        _quiet(sys.stdout)


def _quiet(stream: TextIO) -> None:
    """Point a stream whose reader is gone at /dev/null, so what is still buffered, flushed
    at exit, fails no more (Python would turn that into exit code 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError):
        pass  # not a file (a test's buffer): nothing is flushed to a descriptor at exit
    finally:
        os.close(devnull)


@singledispatch
def human(result: Result) -> str:
    raise TypeError(f"no summary for {type(result).__name__}")


@human.register
def _probe(p: ProbeResult) -> str:
    lines = [f"probe on {p.venue}: {p.inst_id}",
             f"  run dir          {p.run_dir}",
             f"  order acked      {'yes' if p.order_placed else 'no'}",
             f"  loop closed      {'yes' if p.loop_closed else 'no'} "
             "(ack, status, cancel, status)",
             f"  exchange errors  {p.exchange_errors}"]
    if p.bad_input:
        lines.append(f"  input refused    {p.bad_input}")
    if p.filled:
        lines.append(f"  probe filled     {p.filled}; sold again reduce-only: "
                     f"{'yes' if p.fill_closed else 'NO - a position is left open'}")
    if p.unresolved_unknown:
        lines.append("  an order outcome is still unknown: look it up by its clOrdId")
    lines.append(f"  files            {len(p.files)} (check: cd RUN_DIR && sha256sum -c "
                 "SHA256SUMS.txt)")
    return "\n".join(lines)


@human.register
def _selfcheck(r: SelfCheckResult) -> str:
    return "\n".join(f"{'ok  ' if c.passed else 'FAIL'}  {c.name}: {c.detail}"
                     for c in r.checks)


@human.register
def _position_result(p: PositionResult) -> str:
    lines = [f"{p.command} {p.symbol} on {p.venue}: {p.status}"
             + (f" ({p.reason})" if p.reason else ""),
             f"  position  {position_line(p.position)}",
             f"  run dir   {p.run_dir}"]
    # the notes were shown as progress while the command ran; --json carries them too
    lines += [f"  recovery  {r.symbol}: {a}" for r in p.recovery for a in r.actions]
    return "\n".join(lines)


def position_line(pos: PositionView) -> str:
    if pos.stage == "FLAT":
        return "flat"
    stop = "confirmed" if pos.sl_confirmed else "NOT confirmed"
    return f"{pos.stage} {pos.side} {pos.qty_open} @ {pos.entry_price}, stop {pos.sl_price} {stop}"


@human.register
def _recovery(r: RecoverResult) -> str:
    lines = [f"recover on {r.venue}: {len(r.symbols)} symbol(s) needed action"]
    for row in r.symbols:
        lines += [f"  {row.symbol}: {a}" for a in row.actions]
        lines += [f"  {row.symbol}  - {n}" for n in row.notes]
    return "\n".join(lines)


@human.register
def _status(r: StatusResult) -> str:
    return status_table(r)


def _rolling(state: dict[str, Any]) -> str:
    h, q, g = state["health_roll"], state["exec_quality_roll"], state["shockguard"]
    return (f"  health: {h['trade_n']} trades, win rate {h['win_rate']:.2f}, "
            f"avg {h['avg_r']:.2f}R; fills: {q['sample_n']} limit orders, fill rate "
            f"{q['fill_rate_30']:.2f}; shockguard q95 1m "
            f"{'uncalibrated' if g['q95_1m'] is None else format(g['q95_1m'], '.5f')}, "
            f"{g['trigger_count_60m']} shocks in 60 min; template "
            f"{state['last_template'] or '-'}")


@human.register
def _forwarded(r: Forwarded) -> str:
    return r.human


@human.register
def _halt(r: HaltResult) -> str:
    if r.command == "resume":
        lines = [f"resume: freeze lifted on {', '.join(r.symbols) or 'no symbol'}"]
        lines += [f"  not halted: {s}" for s in r.foreign]
        return "\n".join(lines)
    until = "until `prometheus-exec resume`" if r.until >= FOREVER else f"until {r.until}"
    lines = [f"halt {r.incident_id} on {r.venue}: {len(r.touched)} actions, frozen {until}"]
    lines += [f"  {t}" for t in r.touched]
    lines += [f"  kept: {k}" for k in r.kept]
    lines += [f"  not ours, left alone: {f}" for f in r.foreign]
    lines += [f"  UNCONFIRMED: {u}" for u in r.unconfirmed]
    lines.append(f"  incident record: {r.run_dir}/incident_record.json")
    return "\n".join(lines)


@human.register
def _watch(r: WatchResult) -> str:
    return (f"watch on {r.venue}: {r.events} events, {r.recoveries} recoveries, "
            f"{r.managed} positions managed")
