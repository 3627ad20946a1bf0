"""Kill the engine at random points and check what survives (issue 8, "Crash safety").

Each cycle: choose a command for the exchange's current state and a kill point (the Nth
evidence append, state flush or trade request of that command, or a random moment), all from
one seeded RNG; run the command in a forked engine process that SIGKILLs itself there; then
check that the state file loads, that the killed run's directory verifies or shows only crash
remnants (a torn tail, no package), and that `recover` — a fresh, unkilled engine process —
leaves every position at the exchange under exactly one stop (read from the simulator's admin
API, never from the engine).
"""

import random
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from adapters.evidence.audit import INTACT, UNFINISHED, NotARunDir, audit_run
from adapters.evidence.findings import Severity
from adapters.state import JsonFileStateStore, read_events
from tests.crash.exchange_view import ExchangeView, protection_problems
from tests.crash.killpoints import KINDS, MODES
from tests.crash.processes import ForkServer, SimServer, engine_env

SYMBOL = "BTC-USDT-SWAP"
# writes of each kind a command made when it ran to the end (raised as larger counts are seen)
FIRST_GUESS = {"open": {"evidence": 22, "state": 8, "order": 4},
               "close": {"evidence": 18, "state": 5, "order": 2},
               "manage": {"evidence": 14, "state": 1, "order": 0},
               "regime": {"evidence": 13, "state": 4, "order": 1},
               "recover": {"evidence": 12, "state": 1, "order": 0}}
FIRST_MS = 250.0


@attrs.define
class Tally:
    cycles: int = 0
    kills: Counter[str] = attrs.field(factory=Counter)  # by kill kind
    unkilled: int = 0  # the command ended before its kill point
    commands: Counter[str] = attrs.field(factory=Counter)
    exits: Counter[str] = attrs.field(factory=Counter)  # "command:code" of unkilled commands
    crash_runs: Counter[str] = attrs.field(factory=Counter)  # verify status of killed runs
    remnants: Counter[str] = attrs.field(factory=Counter)  # what killed runs left behind
    violations: list[str] = attrs.field(factory=list)
    epochs: int = 1

    @property
    def killed(self) -> int:
        return sum(self.kills.values())

    def merged(self, other: "Tally") -> "Tally":
        return Tally(self.cycles + other.cycles, self.kills + other.kills,
                     self.unkilled + other.unkilled, self.commands + other.commands,
                     self.exits + other.exits, self.crash_runs + other.crash_runs,
                     self.remnants + other.remnants, self.violations + other.violations,
                     self.epochs + other.epochs)

    def summary(self) -> dict[str, Any]:
        return {"cycles": self.cycles, "kills": self.killed, "kills_by_kind": dict(self.kills),
                "unkilled": self.unkilled, "commands": dict(self.commands),
                "exits": dict(self.exits), "killed_runs_verify": dict(self.crash_runs),
                "crash_remnants": dict(self.remnants),
                "state_epochs": self.epochs, "violations": len(self.violations)}


class CrashHarness:
    def __init__(self, workdir: Path, sim: SimServer, server: ForkServer, seed: int) -> None:
        self.workdir = workdir
        self.sim = sim
        self.server = server
        self.rng = random.Random(seed)
        self.view = ExchangeView(sim.url)
        self.tally = Tally()
        self.counts = {c: dict(k) for c, k in FIRST_GUESS.items()}
        self.took_ms = dict.fromkeys(FIRST_GUESS, FIRST_MS)
        self.intents = 0
        self._new_epoch()

    # -- the loop -------------------------------------------------------------------------

    def run(self, kills: int, max_cycles: int) -> Tally:
        self.server.ask({"warm": True, "argv": ["status", "--json"], "env": self.env})
        while self.tally.killed < kills and self.tally.cycles < max_cycles:
            self.cycle()
        return self.tally

    def cycle(self) -> None:
        self.tally.cycles += 1
        self._maybe_move_price()
        name, argv = self._choose_command()
        plan, after_ms = self._choose_kill(name)
        answer, run_dir = self._run(argv, plan, after_ms)
        killed = answer["status"] == "killed"
        where = f"cycle {self.tally.cycles}: {name} with kill {plan} after_ms={after_ms}"
        self.tally.commands[name] += 1
        if killed:
            self.tally.kills["time" if after_ms is not None else plan["kind"]] += 1
        else:
            self.tally.unkilled += 1
            self.tally.exits[f"{name}:{answer['code']}"] += 1
            self._learn(name, answer)
        self._check(where, killed, run_dir)

    def _check(self, where: str, killed: bool, run_dir: Path | None) -> None:
        problems = self._state_loads()
        if run_dir is not None:
            problems += self._verify(run_dir, killed)
        recovered, recover_dir = self._run(["recover", "--json"], {"kind": "none"}, None)
        if recovered.get("code") not in (0, 3):
            problems.append(f"recover exited {recovered}")
        if recover_dir is not None:
            problems += self._verify(recover_dir, killed=False)
        problems += protection_problems(self.view)
        self.tally.violations += [f"{where}: {p}" for p in problems]
        if not self.view.positions():
            self._maybe_rest()

    # -- choices (all from the seeded RNG) -------------------------------------------------

    def _choose_command(self) -> tuple[str, list[str]]:
        holding = bool(self.view.positions())
        if not holding:
            name = "open" if self.rng.random() < 0.85 else "recover"
        else:
            name = self.rng.choices(["close", "regime", "manage", "recover", "open"],
                                    [25, 25, 30, 10, 10])[0]
        return name, self._argv(name)

    def _argv(self, name: str) -> list[str]:
        if name == "open":
            return self._open_argv()
        if name == "close":
            return ["close", "--symbol", SYMBOL, "--json"]
        if name == "regime":
            new = self.rng.choice(["SHOCK", "CHOP", "TREND", "RANGE"])
            return ["regime", "--symbol", SYMBOL, "--new", new, "--json"]
        if name == "manage":
            mark = self.view.mark(SYMBOL)
            bar = (mark * Decimal(1 + self.rng.uniform(-0.004, 0.004))).quantize(Decimal("0.1"))
            return ["manage", "--symbol", SYMBOL, "--bar-close", str(bar), "--json"]
        return ["recover", "--json"]

    def _open_argv(self) -> list[str]:
        mark = self.view.mark(SYMBOL)
        side = self.rng.choice(["long", "short"])
        sign = Decimal(1 if side == "long" else -1)

        def px(pct: str) -> str:
            return str((mark * (1 + sign * Decimal(pct))).quantize(Decimal("0.1")))
        self.intents += 1
        return ["open", "--symbol", SYMBOL, "--side", side, "--qty", "0.10",
                "--stop", px("-0.02"), "--tp1", px("0.01"), "--tp1-qty", "0.04",
                "--tp2", px("0.02"), "--tp2-qty", "0.03",
                "--intent-id", f"k{self.epoch}x{self.intents}", "--json"]

    def _choose_kill(self, name: str) -> tuple[dict[str, Any], float | None]:
        kinds = [k for k in KINDS if self.counts[name].get(k, 0) > 0]
        kind = self.rng.choices([*kinds, "time"], [*([3] * len(kinds)), 2])[0]
        if kind == "time":
            return {"kind": "none"}, self.rng.uniform(2.0, self.took_ms[name])
        plan = {"kind": kind, "n": self.rng.randint(1, self.counts[name][kind]),
                "mode": self.rng.choice(MODES[kind]), "cut": round(self.rng.uniform(0.05, 0.95), 3)}
        return plan, None

    def _maybe_move_price(self) -> None:
        if self.rng.random() < 0.3:
            mark = self.view.mark(SYMBOL)
            self.view.set_price(SYMBOL, (mark * Decimal(1 + self.rng.uniform(-0.012, 0.012))
                                         ).quantize(Decimal("0.1")))

    def _maybe_rest(self) -> None:
        # flat: a new engine state (loss cooldowns would refuse every open for 30 minutes)
        # and now and then a fresh exchange, so the admin views stay short
        if self.rng.random() < 0.8:
            self._new_epoch()
        if self.rng.random() < 0.1:
            self.view.reset()

    # -- running and checking ---------------------------------------------------------------

    def _new_epoch(self) -> None:
        self.epoch = getattr(self, "epoch", 0) + 1
        self.tally.epochs = self.epoch
        self.state_path = self.workdir / "state" / f"epoch{self.epoch}" / "state.json"
        self.config = self.workdir / f"engine{self.epoch}.toml"
        self.config.write_text(f'runs_dir = "{self.workdir / "runs"}"\n'
                               f'state_path = "{self.state_path}"\n')
        self.env = engine_env(self.sim, self.config)

    def _run(self, argv: list[str], plan: dict[str, Any],
             after_ms: float | None) -> tuple[dict[str, Any], Path | None]:
        runs = self.workdir / "runs"
        before = set(runs.iterdir()) if runs.exists() else set()
        started = time.monotonic()
        answer = self.server.ask({"argv": argv, "env": self.env, "plan": plan,
                                  "kill_after_ms": after_ms,
                                  "log": str(self.workdir / "children.log")})
        answer["took_ms"] = (time.monotonic() - started) * 1000
        made = sorted(set(runs.iterdir()) - before) if runs.exists() else []
        return answer, made[-1] if made else None

    def _learn(self, name: str, answer: dict[str, Any]) -> None:
        for kind, count in (answer.get("counts") or {}).items():
            self.counts[name][kind] = max(self.counts[name].get(kind, 0), count)
        self.took_ms[name] = max(self.took_ms[name], float(answer["elapsed_ms"]))

    def _state_loads(self) -> list[str]:
        store = JsonFileStateStore(self.state_path)
        try:
            store.load()
            read_events(store.events_path)
        except Exception as exc:
            return [f"state does not load: {exc}"]
        finally:
            store.close()
        return []

    def _verify(self, run_dir: Path, killed: bool) -> list[str]:
        try:
            report = audit_run(run_dir)
        except NotARunDir:
            # killed between creating the directory and its first record
            leftovers = [p.name for p in run_dir.iterdir() if not p.name.endswith(".tmp")]
            if killed and not leftovers:
                self.tally.crash_runs["empty"] += 1
                return []
            return [f"{run_dir.name} is not a run directory: {leftovers}"]
        if killed:
            self.tally.crash_runs[report.status] += 1
            self.tally.remnants.update({_remnant(f.message) for f in report.findings
                                        if f.severity is Severity.CRASH})
        allowed = {INTACT, UNFINISHED} if killed else {INTACT}
        if report.status in allowed:
            return []
        shown = [str(f) for f in report.findings if f.severity is not Severity.WARNING]
        return [f"{run_dir.name} verifies {report.status}: {shown[:3]}"]


def _remnant(message: str) -> str:
    return "torn last line" if "torn" in message else \
        "no package" if "not packaged" in message else \
        "temp file" if "atomic write" in message else \
        "manifest one step behind the chain" if "run_start" in message or "run_end" in message \
        else message


def run_lanes(workdir: Path, seed: int, kills: int, lanes: int = 2) -> Tally:
    """kills spread over independent lanes (each its own simulator, fork server and state),
    run side by side: a lane mostly waits on its engine and simulator processes, so two
    lanes keep both cores busy."""
    import threading

    tallies: list[Tally] = []
    errors: list[BaseException] = []

    def lane(n: int) -> None:
        sim, server = SimServer(seed=11 + n), ForkServer()
        try:
            folder = workdir / f"lane{n}"
            folder.mkdir()
            share = kills // lanes + (1 if n < kills % lanes else 0)
            tallies.append(CrashHarness(folder, sim, server, seed + n).run(
                kills=share, max_cycles=2 * share))
        except BaseException as exc:
            errors.append(exc)
        finally:
            server.stop()
            sim.stop()
    threads = [threading.Thread(target=lane, args=(n,)) for n in range(lanes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    total = Tally(epochs=0)
    for tally in tallies:
        total = total.merged(tally)
    return total
