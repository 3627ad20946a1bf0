"""ShockWatch: ShockGuard kept true while the engine runs (seed 001 §2.1, §6; issue 13).

Calibration: q95_1m / q95_3m from the exchange's closed 1-minute mark-price klines of the last
calib_window_s, whenever recalib_every_s has passed (recalib_ts says when). Detection: every
mark price the watch sees (stream pushes or its own reads) is judged against the recent ones
(domain/shockguard.check_shock); a detected SHOCK on a symbol not in SHOCK runs the regime-shift
playbook at once (which counts the trigger and sets the locks), one on a symbol already in SHOCK
counts the trigger and sets the locks without running the playbook again.
"""

from decimal import Decimal

import attrs

from application.manage_position import OnRegimeShift, RegimeShiftCommand
from domain.gate import apply_cooldowns
from domain.params import Params
from domain.records import KlineClose, PriceObservation
from domain.regime import Regime
from domain.shockguard import calibrate, calibration_due, check_shock, keep_recent, respond_to_shock
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.market import MarketData
from ports.state import StateStore


@attrs.frozen
class ShockSeen:
    """What one step of the watch did about ShockGuard, for its event line."""

    symbol: str
    kind: str       # calibrated | calibration_failed | shock | shock_again
    text: str
    needs_attention: bool = False


class ShockWatch:
    def __init__(self, market: MarketData, regime_shift: OnRegimeShift, store: StateStore,
                 clock: Clock, params: Params) -> None:
        self._market = market
        self._regime_shift = regime_shift
        self._store = store
        self._clock = clock
        self._params = params
        self._seen: dict[str, tuple[PriceObservation, ...]] = {}

    async def calibrate_due(self, symbols: tuple[str, ...]) -> list[ShockSeen]:
        now = self._clock.now_ms() // 1000
        out = []
        for symbol in symbols:
            state = self._store.get_symbol_state(symbol)
            if not calibration_due(state.shockguard, now=now, params=self._params):
                continue
            out.append(await self._calibrate(symbol, now))
        return out

    async def _calibrate(self, symbol: str, now: int) -> ShockSeen:
        window = self._params.shockguard.calib_window_s
        try:
            klines = await self._market.get_mark_klines(
                symbol, start_ms=(now - window) * 1000, end_ms=now * 1000)
        except ExchangeError as exc:
            return ShockSeen(symbol, "calibration_failed",
                             f"mark klines unreadable ({exc}); q95 kept as it was", True)
        bars = [KlineClose(k.open_time, k.close) for k in klines.bars if k.close > 0]
        result = calibrate(bars, now=now, params=self._params)
        state = self._store.get_symbol_state(symbol)
        guard = attrs.evolve(state.shockguard, q95_1m=result.q95_1m, q95_3m=result.q95_3m,
                             recalib_ts=now)
        self._store.set_symbol_state(symbol, attrs.evolve(state, shockguard=guard))
        self._store.flush()
        return ShockSeen(symbol, "calibrated",
                         f"q95_1m {_fmt(result.q95_1m)} ({result.n_1m} returns), q95_3m "
                         f"{_fmt(result.q95_3m)} ({result.n_3m}) from {len(bars)} mark bars")

    async def poll(self, symbols: tuple[str, ...]) -> list[ShockSeen]:
        """Read each symbol's mark price and judge it (a failed read is skipped)."""
        out = []
        for symbol in symbols:
            try:
                reading = await self._market.get_mark_price(symbol)
            except ExchangeError:
                continue
            seen = await self.on_mark(symbol, reading.price, reading.ts_ms or
                                      self._clock.now_ms())
            out += [seen] if seen is not None else []
        return out

    async def on_mark(self, symbol: str, price: Decimal, ts_ms: int) -> ShockSeen | None:
        obs = PriceObservation(ts_ms, price)
        recent = keep_recent(self._seen.get(symbol, ()), obs)
        self._seen[symbol] = recent
        state = self._store.get_symbol_state(symbol)
        check = check_shock(recent, state.shockguard, self._params)
        if not check.detected:
            return None
        now = self._clock.now_ms() // 1000
        response = respond_to_shock(state.shockguard, state.last_regime, check, now=now,
                                    params=self._params)
        if response.run_playbook:
            done = await self._regime_shift.execute(RegimeShiftCommand(symbol, Regime.SHOCK,
                                                                       obs.price))
            steps = ", ".join(f"{n}:{name}" for n, name in done.steps)
            return ShockSeen(symbol, "shock", f"{response.note}; playbook ran ({steps})",
                             any(n.needs_attention for n in done.notes))
        state = apply_cooldowns(attrs.evolve(state, shockguard=response.guard),
                                response.actions)
        self._store.set_symbol_state(symbol, state)
        self._store.flush()
        return ShockSeen(symbol, "shock_again", response.note)


def _fmt(q: float | None) -> str:
    return "none (detection off)" if q is None else f"{q:.6f}"
