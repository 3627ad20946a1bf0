"""The invariant-checked simulation: random sequences of real CLI commands against the
simulator, every invariant of checks.py checked at the exchange after every step.

Hypothesis draws the sequence (and shrinks a failing one to a short counterexample). A step is
one operator action: a command (open with a valid or an invalid plan, manage with a bar close,
regime shifts, recover, close, status, probe), a price move (through a take-profit or a stop),
time passing, a fault armed for the next command (every kind the simulator has), or a command
during which the engine process is killed at its n-th request.
"""

import time
from collections.abc import Callable
from contextlib import ExitStack
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, ClassVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from domain.ids import parse_client_id
from simulator.faults import KINDS
from tests.invariants.checks import Break, Snapshot, check_step, protected_since
from tests.invariants.world import BINANCE, OKX, CommandRun, Face, World, world

REGIMES = ("SHOCK", "CHOP", "TREND", "RANGE")
# about one command in four that places or cancels orders is killed at its n-th request,
# before it leaves or after the exchange processed it (the answer is lost with the process)
KILL = st.one_of(st.none(), st.none(), st.none(), st.tuples(st.integers(1, 40), st.booleans()))
Kill = tuple[int, bool] | None
INVALID_PLANS = ("stop_above_mark", "tp1_below_mark", "tp2_inside_tp1", "stop_off_tick",
                 "qty_off_lot", "take_profits_exceed_qty", "duplicate_intent",
                 "unknown_symbol")
# wrong whatever the market says: refused before the recovery every command starts with
REFUSED_BEFORE_RECOVERY = ("tp2_inside_tp1", "take_profits_exceed_qty")


def floor_tick(value: Decimal, tick: Decimal = OKX.tick) -> Decimal:
    return (value / tick).to_integral_value(rounding=ROUND_FLOOR) * tick


def ceil_tick(value: Decimal, tick: Decimal = OKX.tick) -> Decimal:
    return (value / tick).to_integral_value(rounding=ROUND_CEILING) * tick


@attrs.frozen
class Plan:
    side: str
    qty: Decimal
    stop: Decimal
    tp1: Decimal
    tp1_qty: Decimal
    tp2: Decimal
    tp2_qty: Decimal
    entry_px: Decimal | None
    intent_id: str
    symbol: str

    def args(self) -> tuple[str, ...]:
        args = ("open", "--symbol", self.symbol, "--side", self.side, "--qty", str(self.qty),
                "--stop", str(self.stop), "--tp1", str(self.tp1), "--tp1-qty",
                str(self.tp1_qty), "--tp2", str(self.tp2), "--tp2-qty", str(self.tp2_qty),
                "--intent-id", self.intent_id)
        return args + (("--entry-px", str(self.entry_px)) if self.entry_px else ())


# the algo_visibility_delay variant only a cancel by client id outlasts (_fault_shape)
LONG_DELAY_MS = 60_000


class Tally:
    """Figures across every machine run in this process (for RELIABILITY.md and bench)."""

    sequences = 0
    steps = 0
    commands: ClassVar[dict[str, int]] = {}
    crashes = 0
    faults: ClassVar[dict[str, int]] = {}
    long_delays = 0  # algo_visibility_delay draws of the LONG_DELAY_MS variant
    seconds: ClassVar[dict[str, float]] = {}  # wall time per command kind (commands + checks)

    @classmethod
    def fault(cls, kind: str, params: dict[str, Any]) -> None:
        cls.faults[kind] = cls.faults.get(kind, 0) + 1
        if kind == "algo_visibility_delay" and params.get("ms") == LONG_DELAY_MS:
            cls.long_delays += 1


class EngineMachine(RuleBasedStateMachine):
    seed: ClassVar[int] = 7
    face: ClassVar[Face] = OKX

    def __init__(self) -> None:
        super().__init__()
        self._stack = ExitStack()
        self.world: World = self._stack.enter_context(world(self.seed, face=self.face))
        self.symbol = self.face.symbol
        self.log: list[str] = []
        self.dirty = False          # a kill may have left strays; no protecting command since
        self.suspended = False      # an instrument_suspend fault is armed for the next command
        self.probed = False         # a refused probe (not OKX) says all it can the first time
        self.intents = 0
        self.last_intent = ""
        self.sent_intents: list[str] = []  # intents whose open reached the exchange
        Tally.sequences += 1

    def teardown(self) -> None:
        self._stack.close()

    # -- running one step and checking it ------------------------------------------------
    def _step(self, args: tuple[str, ...], *, kill: Kill = None,
              expect: Callable[[CommandRun, Snapshot, Snapshot], list[Break]] | None = None
              ) -> CommandRun:
        crash_at, crash_after = kill or (0, False)
        started = time.perf_counter()
        before = Snapshot.take(self.world)
        run = self.world.cli(*args, crash_at=crash_at, crash_after=crash_after)
        after = Snapshot.take(self.world)
        self.world.sim.faults.clear()
        Tally.steps += 1
        Tally.commands[args[0]] = Tally.commands.get(args[0], 0) + 1
        Tally.crashes += run.crashed
        where = f" killed at request {crash_at}{' after answer' if crash_after else ''}" \
            if run.crashed else ""
        self.log.append(f"{' '.join(args)} -> exit {run.exit_code}{where}: "
                        f"{_summary(run.payload)}")
        breaks = check_step(self.world, run, before, after, self.dirty)
        if self.suspended:
            # nothing can be placed on a suspended instrument: what cannot be fixed must be
            # reported (exit 3), never hidden
            if any(b.invariant == "protection" for b in breaks) and run.exit_code == 0:
                breaks.append(Break("exit-code", "unprotected on a suspended instrument, "
                                                 "exit 0"))
            breaks = [b for b in breaks if b.invariant not in ("protection", "no-strays",
                                                               "fills-agree")]
        if expect is not None and not run.crashed:
            breaks += expect(run, before, after)
        Tally.seconds[args[0]] = Tally.seconds.get(args[0], 0.0) + time.perf_counter() - started
        self.suspended = False
        if run.crashed:
            self.dirty = True
        elif protected_since(run, (self.symbol,)):
            self.dirty = False
        assert not breaks, _report(self.log, breaks)
        return run

    def _note(self, line: str) -> None:
        """A step that is not a command (price, time, fault): logged and counted."""
        self.log.append(line)
        Tally.steps += 1

    def _new_intent(self) -> str:
        self.intents += 1
        self.last_intent = f"i{self.intents}"
        return self.last_intent

    def _floor(self, value: Decimal) -> Decimal:
        return floor_tick(value, self.face.tick)

    def _ceil(self, value: Decimal) -> Decimal:
        return ceil_tick(value, self.face.tick)

    def _plan(self, side: str, lots: int, stop_bp: int, tp1_bp: int, tp2_bp: int,
              entry_bp: int | None) -> Plan:
        mark = self.world.price()
        sign = Decimal(1) if side == "long" else Decimal(-1)
        lot = self.face.lot
        qty = lots * lot
        tp1_qty = max(1, lots * 4 // 10) * lot
        tp2_qty = max(1, lots * 3 // 10) * lot
        floor_tick, ceil_tick = self._floor, self._ceil
        ref = mark
        entry_px = None
        if entry_bp is not None:
            entry_px = floor_tick(mark * (1 + sign * Decimal(entry_bp) / 10_000))
            ref = entry_px
        rnd_out = ceil_tick if side == "long" else floor_tick
        rnd_in = floor_tick if side == "long" else ceil_tick
        stop = rnd_in(min(ref, mark) * (1 - Decimal(stop_bp) / 10_000)) if side == "long" \
            else rnd_in(max(ref, mark) * (1 + Decimal(stop_bp) / 10_000))
        tp1 = rnd_out(max(ref, mark) * (1 + Decimal(tp1_bp) / 10_000)) if side == "long" \
            else rnd_out(min(ref, mark) * (1 - Decimal(tp1_bp) / 10_000))
        tp2 = rnd_out(tp1 * (1 + sign * Decimal(tp2_bp) / 10_000))
        return Plan(side, qty, stop, tp1, tp1_qty, tp2, tp2_qty, entry_px, self._new_intent(),
                    self.symbol)

    # -- rules ---------------------------------------------------------------------------
    @rule(side=st.sampled_from(["long", "short"]), lots=st.integers(3, 30),
          stop_bp=st.integers(20, 300), tp1_bp=st.integers(20, 200),
          tp2_bp=st.integers(10, 200),
          entry_bp=st.one_of(st.none(), st.none(), st.integers(-30, 30)), kill=KILL)
    def open_position(self, side: str, lots: int, stop_bp: int, tp1_bp: int, tp2_bp: int,
                      entry_bp: int | None, kill: Kill) -> None:
        plan = self._plan(side, lots, stop_bp, tp1_bp, tp2_bp, entry_bp)
        self._step(plan.args(), kill=kill, expect=_open_says_what_happened(self.symbol))
        entry = f"pxEN{plan.intent_id}00"
        if any(o["clOrdId"] == entry for o in Snapshot.take(self.world).orders):
            self.sent_intents.append(plan.intent_id)  # its client ids are at the exchange

    @rule(kind=st.sampled_from(INVALID_PLANS), side=st.sampled_from(["long", "short"]))
    def open_invalid(self, kind: str, side: str) -> None:
        used = self.sent_intents[-1] if self.sent_intents else ""
        plan = self._plan(side, 10, 100, 100, 100, None)
        mark = self.world.price()
        sign = Decimal(1) if side == "long" else Decimal(-1)
        plan = _spoil(plan, kind, mark, sign, used, self.face)
        # a reused intent is valid input the rules refuse (4); the rest is bad input (2)
        wanted = 4 if kind == "duplicate_intent" and used else 2
        self._step(plan.args(), expect=_refused_and_nothing_sent(
            plan.intent_id, wanted, before_recovery=kind in REFUSED_BEFORE_RECOVERY))

    @rule(bar=st.one_of(st.none(), st.integers(-150, 150)),
          regime=st.one_of(st.none(), st.sampled_from(REGIMES)), kill=KILL)
    def manage(self, bar: int | None, regime: str | None, kill: Kill) -> None:
        args: tuple[str, ...] = ("manage", "--symbol", self.symbol)
        if bar is not None:
            args += ("--bar-close", str(self._floor(self.world.price()
                                                    * (1 + Decimal(bar) / 10_000))))
        if regime is not None:
            args += ("--regime", regime)
        self._step(args, kill=kill)

    @rule(new=st.sampled_from(REGIMES), kill=KILL)
    def regime(self, new: str, kill: Kill) -> None:
        self._step(("regime", "--symbol", self.symbol, "--new", new), kill=kill)

    @rule(kill=KILL)
    def recover(self, kill: Kill) -> None:
        self._step(("recover",), kill=kill)

    @rule(kill=KILL)
    def close(self, kill: Kill) -> None:
        self._step(("close", "--symbol", self.symbol), kill=kill)

    @rule()
    def status(self) -> None:
        self._step(("status",))

    @precondition(lambda self: self.face.probes or not self.probed)
    @rule(px=st.sampled_from(["default", "cross", "cross-allow"]))
    def probe(self, px: str) -> None:
        self.probed = True
        args: tuple[str, ...] = ("probe", "--inst", self.symbol)
        if px != "default":
            args += ("--px", str(self._ceil(self.world.price() * Decimal("1.001"))))
        if px == "cross-allow":
            args += ("--allow-fill",)
        # seed 000's PROBE is OKX's: elsewhere it must be refused as bad input, sending nothing
        self._step(args, expect=_probe_leaves_nothing(px) if self.face.probes else
                   _refused_and_nothing_sent("", 2))

    @rule(move_bp=st.integers(-400, 400))
    def price_moves(self, move_bp: int) -> None:
        price = self._floor(self.world.price() * (1 + Decimal(move_bp) / 10_000))
        self.world.sim.set_price(self.symbol, max(price, Decimal(1000)))
        self._note(f"price -> {price}")

    @precondition(lambda self: self.world.position_state().get("stage", "FLAT") != "FLAT")
    @rule(target_name=st.sampled_from(["tp1", "tp2", "stop"]))
    def price_through(self, target_name: str) -> None:
        """Move the market just through a take-profit or the stop of the stored plan."""
        pos = self.world.position_state()
        level = Decimal(pos[{"tp1": "tp1_price", "tp2": "tp2_price",
                             "stop": "sl_price"}[target_name]])
        long = pos.get("side") == "LONG"
        beyond = (target_name == "stop") != long  # TPs lie above a long, stops below
        price = level + (self.face.tick * 5 if beyond else -self.face.tick * 5)
        if price > 0:
            self.world.sim.set_price(self.symbol, price)
            self._note(f"price through {target_name} {level} -> {price}")

    @rule(seconds=st.sampled_from([1, 30, 600, 1900]))
    def time_passes(self, seconds: int) -> None:
        self.world.sim.advance(seconds)
        self._note(f"{seconds} s pass")

    @rule(kind=st.sampled_from(sorted(KINDS)), times=st.integers(1, 2),
          skip=st.integers(0, 6), variant=st.integers(0, 3))
    def fault(self, kind: str, times: int, skip: int, variant: int) -> None:
        target, params = _fault_shape(kind, variant, self.face)
        self.world.sim.faults.inject(kind, target, times=times, skip=skip, **params)
        Tally.fault(kind, params)
        self.suspended |= kind == "instrument_suspend"
        self._note(f"fault {kind} on {target} x{times} after {skip} {params}")


class BinanceEngineMachine(EngineMachine):
    """The same operator, against the simulator's Binance face (engine on binance-testnet)."""

    face = BINANCE


MACHINES: dict[str, type[EngineMachine]] = {"okx": EngineMachine, "binance": BinanceEngineMachine}


# -- rule-specific expectations ----------------------------------------------------------
def _summary(payload: dict[str, Any] | None) -> str:
    if payload is None:
        return "(no JSON)"
    keys = ("status", "reason", "error", "loop_closed", "bad_input", "notes")
    return "; ".join(f"{k}={payload[k]}" for k in keys if payload.get(k) not in (None, "", []))


def _report(log: list[str], breaks: list[Break]) -> str:
    return "\n".join(["invariant breaks:", *(f"  {b}" for b in breaks), "steps:",
                      *(f"  {n + 1}. {line}" for n, line in enumerate(log))])


def _ours(rows: tuple[dict[str, Any], ...], key: str, intent_id: str) -> list[dict[str, Any]]:
    return [r for r in rows if (p := parse_client_id(r[key])) and p.intent_id == intent_id]


def _open_says_what_happened(symbol: str
                             ) -> Callable[[CommandRun, Snapshot, Snapshot], list[Break]]:
    def expect(run: CommandRun, before: Snapshot, after: Snapshot) -> list[Break]:
        payload = run.payload or {}
        status = payload.get("status")
        if run.exit_code == 0 and status != "opened":
            return [Break("exit-code", f"open exited 0 with status {status}")]
        if status == "opened" and not any(p["instId"] == symbol for p in after.positions):
            return [Break("exit-code", "open says opened, the exchange holds no position")]
        return []
    return expect


def _refused_and_nothing_sent(intent_id: str, wanted: int, *, before_recovery: bool = False
                              ) -> Callable[[CommandRun, Snapshot, Snapshot], list[Break]]:
    def expect(run: CommandRun, before: Snapshot, after: Snapshot) -> list[Break]:
        breaks = []
        if before_recovery:
            # wrong whatever the market: refused before the recovery could send anything
            (old_o, old_a), (new_o, new_a) = before.ids(), after.ids()
            if new_o - old_o or new_a - old_a:
                breaks.append(Break("bad-input", f"invalid open sent orders "
                                                 f"{sorted(new_o - old_o)} algos "
                                                 f"{sorted(new_a - old_a)}"))
        # the wanted code; or 1 when the exchange failed before the plan could be checked
        # against it (the recovery every command starts with, or the market read)
        error = str((run.payload or {}).get("error", ""))
        failed_first = run.exit_code == 1 and error.startswith("exchange:")
        # or 3 when that recovery acted before the plan met the market and itself needs
        # attention: the worse of the two outcomes, said in one result
        recovery_attention = (run.exit_code == 3 and wanted == 2 and
                              (run.payload or {}).get("status") == "refused_bad_input")
        if run.exit_code != wanted and not failed_first and not recovery_attention:
            breaks.append(Break("bad-input", f"invalid open exited {run.exit_code}, not "
                                             f"{wanted}: {_summary(run.payload)}"))
        # the recovery every command starts with may act for an earlier intent of the same
        # id (a duplicate); the refused open itself must not send an entry
        old_orders, _ = before.ids()
        sent = [o["clOrdId"] for o in _ours(after.orders, "clOrdId", intent_id)
                if o["ordId"] not in old_orders and o["clOrdId"].startswith("pxEN")]
        if sent:
            breaks.append(Break("bad-input", f"invalid open sent {sent}"))
        return breaks
    return expect


def _probe_leaves_nothing(px: str) -> Callable[[CommandRun, Snapshot, Snapshot], list[Break]]:
    def expect(run: CommandRun, before: Snapshot, after: Snapshot) -> list[Break]:
        old_orders, _ = before.ids()
        probes = [o for o in after.orders if o["ordId"] not in old_orders
                  and (p := parse_client_id(o["clOrdId"])) and p.role.value == "PB"]
        breaks = []
        # refused as bad input (2), or stopped earlier (an instrument that is not live: 1)
        if px == "cross" and (run.exit_code == 0 or probes):
            breaks.append(Break("bad-input", f"crossing probe exited {run.exit_code}, sent "
                                             f"{[o['clOrdId'] for o in probes]}"))
        intents = {p.intent_id for o in probes if (p := parse_client_id(o["clOrdId"]))}
        net = Decimal(0)
        for order in (o for o in after.orders if o["ordId"] not in old_orders
                      and (p := parse_client_id(o["clOrdId"])) and p.intent_id in intents):
            filled = Decimal(order["accFillSz"])
            net += filled if order["side"] == "buy" else -filled
        if net != 0:
            breaks.append(Break("probe-flat", f"probe orders left a position of {net}"))
        return breaks
    return expect


def _spoil(plan: Plan, kind: str, mark: Decimal, sign: Decimal, old_intent: str,
           face: Face) -> Plan:
    tick = face.tick
    match kind:
        case "stop_above_mark":
            return attrs.evolve(plan, stop=floor_tick(mark * (1 + sign * Decimal("0.002")), tick))
        case "tp1_below_mark":
            return attrs.evolve(plan, tp1=floor_tick(mark * (1 - sign * Decimal("0.002")), tick))
        case "tp2_inside_tp1":
            return attrs.evolve(plan, tp2=plan.tp1 - sign * tick)
        case "stop_off_tick":
            return attrs.evolve(plan, stop=plan.stop + tick / 2)
        case "qty_off_lot":
            return attrs.evolve(plan, qty=plan.qty + face.lot / 2)
        case "take_profits_exceed_qty":
            return attrs.evolve(plan, tp1_qty=plan.qty, tp2_qty=plan.tp2_qty)
        case "duplicate_intent" if old_intent:
            return attrs.evolve(plan, intent_id=old_intent)
        case "unknown_symbol":
            return attrs.evolve(plan, symbol=face.unknown_symbol)
    return attrs.evolve(plan, stop=floor_tick(mark * (1 + sign * Decimal("0.01")), tick))


def _fault_shape(kind: str, variant: int, face: Face = OKX) -> tuple[str, dict[str, Any]]:
    """A target and parameters for one fault kind (variant picks among a few)."""
    trade = face.trade_targets[variant]
    match kind:
        case "latency":
            return trade, {"ms": 20}
        case "http_5xx":
            return trade, {"status": (500, 502, 503, 504)[variant], "processed": variant % 2 == 0}
        case "busy":
            return trade, {"processed": variant % 2 == 1}
        case "rate_limit":
            return trade, {}
        case "drop_after_accept":
            return trade, ({"mode": "reset"} if variant < 2 else
                           {"mode": "timeout", "hold_s": 0.05})
        case "malformed":
            return trade, {"body": ("html", "truncated", "empty", "html")[variant],
                           "processed": variant >= 2}
        case "algo_visibility_delay":
            # on Binance the same path also answers lookups: the placement is what is delayed
            post = {"method": "POST"} if face.name == "binance" else {}
            # 60 s outlasts the 1 s sentinel and the stray wait: only a cancel by client id
            # reaches a stop whose answer was lost (the soak's lifecycle 7,198 break), on
            # either face (both cancel an algo their queries do not show yet)
            return face.algo_place, {"ms": (300, 1500, 5000, LONG_DELAY_MS)[variant], **post}
        case "ws_disconnect" | "ws_refuse":
            return face.user_stream, {}
        case "clock_skew":
            return "*", {"ms": (5000, -5000, 1500, -1500)[variant]}
        case "partial_fill":
            return face.symbol, {"ratio": (0.5, 0.3, 0.7, 0.5)[variant]}
        case "instrument_suspend":
            return face.symbol, {}
        case "fill_race_cancel":
            return face.order_cancel, {"method": "DELETE"} if face.name == "binance" else {}
    return "*", {}
