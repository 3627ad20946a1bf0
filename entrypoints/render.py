"""Output: one JSON object with --json, a short human summary otherwise."""

import json
import sys
from typing import Any

import attrs

from application.status import SymbolStatus
from domain.state import SymbolState


class StepPrinter:
    """Progress for a human: each step on stderr as it happens (stdout keeps the summary)."""

    def step(self, text: str) -> None:
        print(f"  · {text}", file=sys.stderr, flush=True)


def emit(payload: dict[str, Any], human: str, as_json: bool, err: bool = False) -> None:
    stream = sys.stderr if err and not as_json else sys.stdout
    text = json.dumps(payload, default=str, sort_keys=True) if as_json else human
    print(text, file=stream, flush=True)


def position(state: SymbolState) -> dict[str, Any]:
    pos = state.position_state
    return {"stage": pos.stage.value, "side": pos.side, "qty_open": str(pos.qty_open),
            "entry_price": str(pos.entry_price), "sl_price": str(pos.sl_price),
            "sl_client_algo_id": pos.sl_algo.client_algo_id, "sl_confirmed": pos.sl_confirmed,
            "cooldown_until": attrs.asdict(state.cooldown_until)}


def probe(p: dict[str, Any]) -> str:
    lines = [f"probe on {p['venue']}: {p['inst_id']}",
             f"  run dir          {p['run_dir']}",
             f"  order acked      {'yes' if p['order_placed'] else 'no'}",
             f"  loop closed      {'yes' if p['loop_closed'] else 'no'} "
             "(ack, status, cancel, status)",
             f"  exchange errors  {p['exchange_errors']}"]
    if p["bad_input"]:
        lines.append(f"  input refused    {p['bad_input']}")
    if p["filled"] != "0":
        lines.append(f"  probe filled     {p['filled']}; sold again reduce-only: "
                     f"{'yes' if p['fill_closed'] else 'NO - a position is left open'}")
    if p["unresolved_unknown"]:
        lines.append("  an order outcome is still unknown: look it up by its clOrdId")
    lines.append(f"  files            {len(p['files'])} (check: cd RUN_DIR && sha256sum -c "
                 "SHA256SUMS.txt)")
    return "\n".join(lines)


def selfcheck(checks: list[dict[str, Any]]) -> str:
    return "\n".join(f"{'ok  ' if c['passed'] else 'FAIL'}  {c['name']}: {c['detail']}"
                     for c in checks)


def outcome(p: dict[str, Any]) -> str:
    pos = p["position"]
    lines = [f"{p['command']} {p['symbol']} on {p['venue']}: {p['status']}"
             + (f" ({p['reason']})" if p["reason"] else ""),
             f"  position  {_position_line(pos)}",
             f"  run dir   {p['run_dir']}"]
    # the notes were shown as progress while the command ran; --json carries them too
    lines += [f"  recovery  {r['symbol']}: {a}" for r in p["recovery"] for a in r["actions"]]
    return "\n".join(lines)


def _position_line(pos: dict[str, Any]) -> str:
    if pos["stage"] == "FLAT":
        return "flat"
    stop = "confirmed" if pos["sl_confirmed"] else "NOT confirmed"
    return (f"{pos['stage']} {pos['side']} {pos['qty_open']} @ {pos['entry_price']}, "
            f"stop {pos['sl_price']} {stop}")


def recovery(p: dict[str, Any]) -> str:
    lines = [f"recover on {p['venue']}: {len(p['symbols'])} symbol(s) needed action"]
    for row in p["symbols"]:
        lines += [f"  {row['symbol']}: {a}" for a in row["actions"]]
        lines += [f"  {row['symbol']}  - {n}" for n in row["notes"]]
    return "\n".join(lines)


def status_row(r: SymbolStatus) -> dict[str, Any]:
    return {"symbol": r.symbol, "exchange_side": r.exchange_side,
            "exchange_qty": str(r.exchange_qty), "entry_price": str(r.entry_price or ""),
            "unrealized_pnl": str(r.unrealized_pnl or ""), "stage": r.stage,
            "stored_qty_open": str(r.stored_qty_open), "stored_stop": r.stored_stop,
            "stop_confirmed": r.stop_confirmed,
            "stops": [{"client_algo_id": s.client_algo_id, "algo_id": s.algo_id,
                       "stop_price": str(s.stop_price), "size": str(s.size),
                       "state": s.state} for s in r.stops],
            "may_open": r.may_open, "locks": r.locks,
            "protected": not r.protection_gap, "protection_gap": r.protection_gap}


def status(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no positions, stops or stored state"
    lines = []
    for r in rows:
        stops = ", ".join(f"{s['client_algo_id'] or s['algo_id']}@{s['stop_price']}"
                          for s in r["stops"]) or "none"
        lines.append(f"{r['symbol']}: exchange {r['exchange_side']} {r['exchange_qty']}, "
                     f"stage {r['stage']}, stops {stops}, "
                     f"{'may open' if r['may_open'] else r['locks']}")
        if r["protection_gap"]:
            lines.append(f"  UNPROTECTED: {r['protection_gap']} (run `recover`)")
    return "\n".join(lines)
