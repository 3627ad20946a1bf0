"""The invariants of issue 8, checked at the exchange (the simulator's admin API over HTTP)
after every step, plus the few facts only the engine's own files can give (locks, run dirs).

What the engine holds in memory is never consulted: a command's --json payload is what an
operator sees, the state file is what a restarted engine starts from, and the admin API is
what the exchange really holds.
"""

import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from adapters.evidence import check_sums, verify_chain
from adapters.state import JsonFileStateStore
from domain.ids import Role, parse_client_id
from tests.invariants.world import CommandRun, World

LIVE_ORDER = ("live", "partially_filled")
# commands that start with RecoverProtection: afterwards every position is protected or flat
PROTECTING = ("open", "close", "manage", "regime", "recover")
EMERGENCY_LOCK_S = 1800


@attrs.frozen
class Break:
    invariant: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.invariant}] {self.detail}"


@attrs.frozen
class Snapshot:
    """Everything the exchange holds, read through /sim/... ."""

    orders: tuple[dict[str, Any], ...]
    algos: tuple[dict[str, Any], ...]
    positions: tuple[dict[str, Any], ...]
    fills: tuple[dict[str, Any], ...]
    now_ms: int

    @staticmethod
    def take(world: World) -> "Snapshot":
        return Snapshot(tuple(world.admin("/sim/orders")["orders"]),
                        tuple(world.admin("/sim/algos")["algos"]),
                        tuple(world.admin("/sim/positions")["positions"]),
                        tuple(world.admin("/sim/fills")["fills"]),
                        int(world.admin("/sim/state")["clockMs"]))

    def ids(self) -> tuple[set[str], set[str]]:
        return {o["ordId"] for o in self.orders}, {a["algoId"] for a in self.algos}

    def live_stops(self, inst_id: str) -> list[dict[str, Any]]:
        return [a for a in self.algos if a["instId"] == inst_id and a["state"] == "live"
                and _role(a["algoClOrdId"]) is Role.STOP]

    def unprotected(self, *, exact: bool = True) -> list[str]:
        """Positions without exactly one fitting, visible stop of ours (one line each). With
        exact=False a stop larger than the position counts (reduce-only, it still closes it
        all: what a read-only `status` may see between a take-profit fill and the next
        command)."""
        problems = []
        for position in self.positions:
            inst_id, pos = position["instId"], Decimal(position["pos"])
            stops = self.live_stops(inst_id)
            if len(stops) != 1:
                problems.append(f"{inst_id} pos {pos}: {len(stops)} live stops of ours "
                                f"{[s['algoClOrdId'] for s in stops]}")
                continue
            (stop,) = stops
            wrong = _stop_mismatch(stop, pos, exact)
            if wrong:
                problems.append(f"{inst_id} pos {pos}: stop {stop['algoClOrdId']} {wrong}")
        return problems


def _role(client_id: str) -> Role | None:
    parsed = parse_client_id(client_id)
    return parsed.role if parsed else None


def _stop_mismatch(stop: dict[str, Any], pos: Decimal, exact: bool) -> str:
    closing = "sell" if pos > 0 else "buy"
    if stop["side"] != closing:
        return f"is a {stop['side']} stop on a {'long' if pos > 0 else 'short'}"
    if not stop["reduceOnly"]:
        return "is not reduce-only"
    size = Decimal(stop["sz"] or "0")
    if stop["closeFraction"] != "1" and (size != abs(pos) if exact else size < abs(pos)):
        return f"is sized {stop['sz']} for a position of {abs(pos)}"
    if not stop["visible"]:
        return "is not visible to the account"
    return ""


def protected_since(run: CommandRun, symbols: tuple[str, ...]) -> bool:
    """Whether the command ran as a protecting command over the configured symbols. One
    refused as bad input before its run began (exit 2, no run directory, e.g. `manage --regime`
    without `--bar-close`) looked at nothing; one naming another symbol (an unlisted one)
    recovered only that one. Either way a stop that triggered since the last command is not yet
    the engine's to know."""
    if run.args[0] not in PROTECTING:
        return False
    args = list(run.args)
    if "--symbol" in args and args[args.index("--symbol") + 1] not in symbols:
        return False
    return run.exit_code != 2 or bool(run.payload and run.payload.get("run_dir"))


def check_step(world: World, run: CommandRun, before: Snapshot, after: Snapshot,
               dirty: bool) -> list[Break]:
    """Every invariant after one step. dirty: a killed engine may have left strays that no
    protecting command has run since."""
    breaks = [*_ids(after), *_state_loads(world), *_run_dirs(world, before, run)]
    if run.crashed:
        return breaks
    command = run.args[0]
    protecting = protected_since(run, (world.face.symbol,))
    unprotected = after.unprotected()
    if protecting and unprotected:
        breaks += [Break("protection", p) for p in unprotected]
    loose = after.unprotected(exact=False)
    if run.exit_code == 0 and loose and command in (*PROTECTING, "status"):
        breaks.append(Break("exit-code", f"{command} exited 0 with {loose}"))
    strict = protecting or not dirty
    breaks += _strays(world, before, after, only_new=not strict)
    if protecting:
        breaks += _agreement(world, after)
    breaks += _reported_fills(world, after)
    breaks += _flatten_locks(world, before, after)
    breaks += _stop_deadline(world, before, after)
    return breaks


# seed 001 §7: a stop not visible within 1 s is flattened. On the virtual clock a round trip
# costs no time, so the flatten leaves by the deadline plus one visibility poll interval (110 ms)
# and one status poll (50 ms).
STOP_DEADLINE_MS = 1000 + 110 + 50


def _stop_deadline(world: World, before: Snapshot, after: Snapshot) -> list[Break]:
    """Every flatten sent in the step leaves within the deadline of the stop placed before it
    in the same step (a longer wait would leave the position unprotected too long)."""
    old_orders, old_algos = before.ids()
    stops = sorted(a["cTime"] for a in after.algos if a["algoId"] not in old_algos
                   and _role(a["algoClOrdId"]) is Role.STOP)
    breaks = []
    for order in after.orders:
        if order["ordId"] in old_orders or _role(order["clOrdId"]) is not Role.FLATTEN:
            continue
        placed = [t for t in stops if t <= order["cTime"]]
        if placed and order["cTime"] - placed[-1] > STOP_DEADLINE_MS:
            breaks.append(Break("stop-deadline", f"flatten {order['clOrdId']} left "
                                f"{order['cTime'] - placed[-1]} ms after its stop was placed"))
    return breaks


def _ids(after: Snapshot) -> list[Break]:
    breaks = []
    for kind, rows, key in (("order", after.orders, "clOrdId"),
                            ("algo", after.algos, "algoClOrdId")):
        seen: dict[str, int] = {}
        for row in rows:
            if row[key]:
                seen[row[key]] = seen.get(row[key], 0) + 1
        breaks += [Break("client-ids", f"{kind} client id {cid} made {n} {kind}s")
                   for cid, n in seen.items() if n > 1]
    return breaks


def _state_loads(world: World) -> list[Break]:
    store = JsonFileStateStore(world.state_path)
    try:
        store.load()
    except Exception as exc:
        return [Break("state-loads", f"{world.state_path}: {exc}")]
    store.close()
    return []


def _run_dirs(world: World, before: Snapshot, run: CommandRun) -> list[Break]:
    breaks = []
    for run_dir in _new_run_dirs(world, run):
        chain = verify_chain(run_dir)
        if not chain.ok:
            breaks.append(Break("run-dir-verifies", f"{run_dir.name}: {chain}"))
        if (run_dir / "SHA256SUMS.txt").exists():
            _, problems = check_sums(run_dir)
            breaks += [Break("run-dir-verifies", f"{run_dir.name}: {p}") for p in problems]
    return breaks


def _new_run_dirs(world: World, run: CommandRun) -> Iterable[Path]:
    if run.payload and run.payload.get("run_dir"):
        yield Path(run.payload["run_dir"])


def _reasons(world: World) -> tuple[set[str], set[str]]:
    """Client ids the engine's state gives a reason to rest: (orders, algos)."""
    orders: set[str] = set()
    algos: set[str] = set()
    for symbol_state in world.state().get("symbols", {}).values():
        pos = symbol_state.get("position_state", {})
        stage = pos.get("stage", "FLAT")
        if stage == "FLAT":
            continue
        if pos.get("sl_algo", {}).get("client_algo_id"):
            algos.add(pos["sl_algo"]["client_algo_id"])
        attempts = dict(pos.get("next_attempts", []))
        intent = pos.get("intent_id", "")
        wanted = {"PRE_TP1": ("T1", "T2"), "BETWEEN_TP1_TP2": ("T2",)}.get(stage, ())
        for code in wanted:
            if attempts.get(code):
                orders.add(f"px{code}{intent}{attempts[code] - 1:02d}")
    return orders, algos


def _strays(world: World, before: Snapshot, after: Snapshot, *, only_new: bool) -> list[Break]:
    old_orders, old_algos = before.ids()
    order_reasons, algo_reasons = _reasons(world)
    breaks = []
    for order in after.orders:
        if order["state"] not in LIVE_ORDER or _role(order["clOrdId"]) is None:
            continue
        if only_new and order["ordId"] in old_orders:
            continue
        if order["clOrdId"] not in order_reasons:
            breaks.append(Break("no-strays", f"order {order['clOrdId']} {order['state']} "
                                             f"{order['side']} {order['sz']}@{order['px']}"))
    for algo in after.algos:
        if algo["state"] != "live" or _role(algo["algoClOrdId"]) is None:
            continue
        if only_new and algo["algoId"] in old_algos:
            continue
        if algo["algoClOrdId"] not in algo_reasons:
            breaks.append(Break("no-strays", f"algo {algo['algoClOrdId']} live "
                                             f"{algo['side']} {algo['sz']} at "
                                             f"{algo['slTriggerPx']}"))
    return breaks


def _agreement(world: World, after: Snapshot) -> list[Break]:
    """After a protecting command the engine's stored position is the exchange's: no fill is
    missing from what the engine reports, none is invented."""
    held = {p["instId"]: Decimal(p["pos"]) for p in after.positions}
    breaks = []
    for symbol, symbol_state in world.state().get("symbols", {}).items():
        pos = symbol_state.get("position_state", {})
        stored = Decimal(pos.get("qty_open", "0"))
        if pos.get("side") == "SHORT":
            stored = -stored
        if pos.get("stage", "FLAT") == "FLAT":
            stored = Decimal(0)
        if stored != held.get(symbol, Decimal(0)):
            breaks.append(Break("fills-agree", f"{symbol}: engine holds {stored} "
                                               f"({pos.get('stage')}), exchange "
                                               f"{held.get(symbol, 0)}"))
    for symbol in set(held) - set(world.state().get("symbols", {})):
        breaks.append(Break("fills-agree", f"{symbol}: exchange holds {held[symbol]}, "
                                           "the engine has no state for it"))
    return breaks


def _fills_of(after: Snapshot, order_ids: Iterable[str]) -> tuple[Decimal, Decimal | None]:
    wanted = set(order_ids)
    rows = [f for f in after.fills if f["ordId"] in wanted]
    qty = sum((Decimal(f["fillSz"]) for f in rows), Decimal(0))
    if qty == 0:
        return qty, None
    notional = sum((Decimal(f["fillSz"]) * Decimal(f["fillPx"]) for f in rows), Decimal(0))
    return qty, notional / qty


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= abs(b) * Decimal("1e-9")


def _reported_fills(world: World, after: Snapshot) -> list[Break]:
    """Every fill the engine reports (stored entry, risk events with orders) is at the exchange
    with that size and price."""
    breaks = []
    for symbol, symbol_state in world.state().get("symbols", {}).items():
        pos = symbol_state.get("position_state", {})
        entry_id = pos.get("last_orders", {}).get("entry", {}).get("order_id", "")
        if pos.get("stage", "FLAT") == "FLAT" or not entry_id:
            continue
        qty, price = _fills_of(after, [entry_id])
        if qty != Decimal(pos["qty_total"]) or price is None or \
                not _close(Decimal(pos["entry_price"]), price):
            breaks.append(Break("reported-fills", f"{symbol} entry {entry_id}: engine says "
                                f"{pos['qty_total']}@{pos['entry_price']}, exchange "
                                f"{qty}@{price}"))
    for event in _risk_events(world):
        ids, qty = event.get("order_ids") or [], Decimal(event.get("qty") or "0")
        if not ids or qty == 0 or event.get("price") in (None, ""):
            continue
        if not str(event.get("reason", "")).startswith("closed"):
            # only a "closed: ..." event reports fills; the others list the orders their
            # actions placed (stops, take-profits) beside the position's size and a reference
            # price (issue 13: every risk event carries the orders it caused)
            continue
        filled, price = _fills_of(after, ids)
        if filled != qty or price is None or not _close(Decimal(event["price"]), price):
            breaks.append(Break("reported-fills", f"{event['event_type']} {ids}: engine says "
                                f"{qty}@{event['price']}, exchange {filled}@{price}"))
    return breaks


def _risk_events(world: World) -> list[dict[str, Any]]:
    path = world.state_path.with_name("events.jsonl")
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn last line after a kill is the evidence lane's business
        event = record.get("event", record)
        if isinstance(event, dict) and event.get("event_type"):
            events.append(event)
    return events


def _flatten_locks(world: World, before: Snapshot, after: Snapshot) -> list[Break]:
    """A position flattened because its stop could not be confirmed locks the symbol."""
    old = {f["tradeId"] for f in before.fills}
    flattened = {f["instId"] for f in after.fills
                 if f["tradeId"] not in old and _role(f["clOrdId"]) is Role.FLATTEN}
    breaks = []
    now_s = after.now_ms // 1000
    for symbol in flattened:
        locks = world.state().get("symbols", {}).get(symbol, {}).get("cooldown_until", {})
        if int(locks.get("freeze", 0)) < now_s + EMERGENCY_LOCK_S - 60 or \
                int(locks.get("loss", 0)) < now_s + EMERGENCY_LOCK_S - 60:
            breaks.append(Break("flatten-locks", f"{symbol} flattened but locks are {locks}"))
    return breaks
