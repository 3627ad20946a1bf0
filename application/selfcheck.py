"""SelfCheck (seed 001 §9): what must hold before the engine may trade, one line per check."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from application.order_path import StopPath
from application.pending_stops import PendingStops
from domain.algo import AlgoStopIntent
from domain.errors import DomainError
from domain.ids import Role, client_id
from domain.instrument import InstrumentSpec
from domain.numbers import is_multiple
from domain.orders import Side
from domain.outcome import Accepted
from domain.params import Params
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.errors import ExchangeError, ExchangeRejected
from ports.evidence import EvidenceSink, ExchangeCallRecord
from ports.exchange_events import EventSubscription, ResyncNeeded
from ports.exchange_types import AccountConfig, CancelDisposition
from ports.market import MarketData
from ports.state import StateStore
from ports.streams import Streams


@attrs.frozen
class RunSelfCheck:
    venue: str
    symbols: tuple[str, ...]
    intent_id: str
    required_pos_mode: str = "net_mode"
    max_clock_skew_ms: int = 1000
    with_orders: bool = False
    with_ws: bool = True
    ws_timeout_s: float = 10.0  # the WS check's deadline for login + subscriptions


@attrs.frozen
class Check:
    name: str
    passed: bool
    detail: str


@attrs.frozen
class SelfCheckDone:
    checks: tuple[Check, ...]

    @property
    def all_passed(self) -> bool:
        return all(c.passed for c in self.checks)


CheckFn = Callable[[], Awaitable[Check]]
# the keys seed 001 §2-§6 rules read: a Params without one cannot run them
REQUIRED_PARAMS = frozenset({
    "cooldown.loss_s", "cooldown.template_s", "cooldown.freeze_s", "cooldown.shock_s",
    "runner.max_bars_after_tp2", "runner.min_peak_r", "runner.giveback",
    "shockguard.shock_multiplier", "shockguard.calib_window_s", "shockguard.recalib_every_s",
    "shockguard.min_calib_samples", "shockguard.max_triggers_60m",
    "shockguard.derisk_runner_fraction", "shockguard.stop_tighten_fraction",
    "protection.stop_visibility_deadline_ms", "margin.derisk_margin_ratio",
    "margin.derisk_fraction"})
# OKX's account modes (account/config acctLv); a spot-mode account cannot trade swaps
ACCOUNT_MODES = {"1": "spot mode", "2": "futures mode", "3": "multi-currency margin mode",
                 "4": "portfolio margin mode"}
SPOT_MODE = "1"
# what a refused key read means, by the venue's code
KEY_HINTS = {"50101": "demo key on live or live key on demo",
             "-2015": "unknown key, an IP the key does not allow, or no futures permission",
             "-2014": "the key is malformed", "-1022": "the secret does not belong to the key"}


# what the test stop needs; any of them failing means it would be refused or misplaced
ORDER_PREREQUISITES = ("keys match venue and can trade", "account mode", "position mode",
                       "instruments: size and precision", "algo order query")


class SelfCheck:
    """Run every check, even after one fails, so the operator sees the whole picture."""

    def __init__(self, market: MarketData, account: Account, algos: AlgoOrders,
                 streams: Streams, stops: StopPath, sink: EvidenceSink, clock: Clock,
                 params: Params, store: StateStore) -> None:
        self._market = market
        # the test stop is recorded as pending here (loaded only for --with-orders)
        self._store = store
        self._account = account
        self._algos = algos
        self._streams = streams
        self._stops = stops
        self._sink = sink
        self._clock = clock
        self._params = params
        self._instruments: dict[str, InstrumentSpec] = {}
        self._config: AccountConfig | None = None

    async def execute(self, cmd: RunSelfCheck) -> SelfCheckDone:
        self._config = None
        steps: list[tuple[str, CheckFn]] = [
            ("rest connectivity and clock skew", lambda: self._clock_skew(cmd)),
            ("keys match venue and can trade", lambda: self._permissions(cmd)),
            ("account mode", self._account_mode),
            ("position mode", lambda: self._pos_mode(cmd)),
            ("instruments: size and precision", lambda: self._instruments_check(cmd)),
            ("algo order query", lambda: self._algo_query(cmd)),
            ("parameters loaded", self._params_check),
            ("evidence directory writable", self._evidence_check),
        ]
        if cmd.with_ws:
            steps.append(("websocket login and subscribe", lambda: self._ws(cmd)))
        checks = [await _guarded(name, fn) for name, fn in steps]
        if cmd.with_orders:
            checks.append(await self._roundtrip_if_ready(cmd, checks))
        return SelfCheckDone(tuple(checks))

    async def _roundtrip_if_ready(self, cmd: RunSelfCheck, checks: list[Check]) -> Check:
        """The one check that sends an order runs only once the account, keys, mode and
        instrument it needs have passed: refused keys or a wrong mode send nothing."""
        name = "algo stop place / see / cancel"
        failed = [c.name for c in checks if c.name in ORDER_PREREQUISITES and not c.passed]
        if failed:
            return Check(name, False, f"not attempted, nothing sent: {', '.join(failed)} "
                                      "failed first")
        return await _guarded(name, lambda: self._algo_roundtrip(cmd))

    async def _clock_skew(self, cmd: RunSelfCheck) -> Check:
        before = self._clock.now_ms()
        server = await self._market.get_server_time()
        after = self._clock.now_ms()
        skew = server.ts_ms - (before + after) // 2
        ok = abs(skew) <= cmd.max_clock_skew_ms
        return Check("rest connectivity and clock skew", ok,
                     f"server minus local = {skew} ms (limit ±{cmd.max_clock_skew_ms} ms)")

    async def _permissions(self, cmd: RunSelfCheck) -> Check:
        name = "keys match venue and can trade"
        try:
            config = await self._account_config()
        except ExchangeRejected as exc:
            hint = f" ({KEY_HINTS[exc.code]})" if exc.code in KEY_HINTS else ""
            return Check(name, False, f"{cmd.venue}: {exc.code} {exc.reason}{hint}")
        can_trade = "trade" in config.perm.split(",")
        return Check(name, can_trade, f"{cmd.venue}: key accepted; perm={config.perm or '-'}")

    async def _account_config(self) -> AccountConfig:
        # read once per run: three checks need it and OKX allows 5 reads per 2 s
        if self._config is None:
            self._config = await self._account.get_account_config()
        return self._config

    async def _account_mode(self) -> Check:
        config = await self._account_config()
        if not config.acct_lv:
            # Binance has no account levels: every contract is margined in its margin asset
            return Check("account mode", True, "the venue has no account levels")
        name = ACCOUNT_MODES.get(config.acct_lv)
        if name is None:
            return Check("account mode", False, f"unknown account mode acctLv={config.acct_lv}")
        if config.acct_lv == SPOT_MODE:
            return Check("account mode", False, f"{name} (acctLv {config.acct_lv}) cannot trade "
                         "perpetual swaps: switch the account to futures, multi-currency or "
                         "portfolio margin mode on the exchange's website")
        return Check("account mode", True, f"{name} (acctLv {config.acct_lv})")

    async def _pos_mode(self, cmd: RunSelfCheck) -> Check:
        config = await self._account_config()
        ok = config.pos_mode == cmd.required_pos_mode
        return Check("position mode", ok,
                     f"account {config.pos_mode}, required {cmd.required_pos_mode}")

    async def _instruments_check(self, cmd: RunSelfCheck) -> Check:
        found = await self._market.get_instruments()
        problems, seen = [], []
        for symbol in cmd.symbols:
            spec = found.find(symbol)
            if spec is None:
                problems.append(f"{symbol} not listed")
                continue
            self._instruments[symbol] = spec
            if not spec.is_live:
                problems.append(f"{symbol} is {spec.state}")
            elif not is_multiple(spec.min_sz, spec.lot_sz):
                problems.append(f"{symbol} minSz {spec.min_sz} is off lotSz {spec.lot_sz}")
            seen.append(_rules(spec))
        detail = "; ".join(problems or seen) or "no symbols configured"
        return Check("instruments: size and precision", not problems and bool(cmd.symbols),
                     detail)

    async def _algo_query(self, cmd: RunSelfCheck) -> Check:
        """The answer parsed into algo orders of the symbol asked about, each with an id."""
        counts, problems = [], []
        for symbol in cmd.symbols:
            algos = await self._algos.get_open_algo_orders(symbol)
            problems += [f"{symbol}: got an algo of {a.inst_id}" for a in algos
                         if a.inst_id != symbol]
            problems += [f"{symbol}: an algo without an id" for a in algos if not a.algo_id]
            counts.append(f"{symbol}: {len(algos)} open")
        if not cmd.symbols:
            return Check("algo order query", False, "no symbols configured to query")
        return Check("algo order query", not problems, "; ".join(problems or counts))

    async def _params_check(self) -> Check:
        """Every parameter within its range, and every ShockGuard, runner and cooldown key
        present."""
        name = "parameters loaded"
        try:
            _validate(self._params)
        except (ValueError, TypeError, DomainError) as exc:
            return Check(name, False, f"out of range: {exc}")
        keys = {k for k, _ in self._params.describe()}
        missing = sorted(REQUIRED_PARAMS - keys)
        if missing:
            return Check(name, False, f"missing: {', '.join(missing)}")
        return Check(name, True, f"{len(keys)} values within their ranges, "
                                 f"{len(REQUIRED_PARAMS)} required keys present")

    async def _evidence_check(self) -> Check:
        """A record written, fsynced and read back from the run directory."""
        name = "evidence directory writable"
        ref = self._sink.record_call(ExchangeCallRecord(
            "selfcheck", "evidence-writable", {}, None, "ok", self._clock.now_ms(),
            self._clock.monotonic()))
        self._sink.flush()
        if not self._sink.read_back(ref):
            return Check(name, False, f"{ref} was written and flushed but could not be read "
                                      f"back from {self._sink.run_dir}")
        return Check(name, True, f"{self._sink.run_dir}: {ref} written, fsynced, read back")

    async def _ws(self, cmd: RunSelfCheck) -> Check:
        """Login and subscriptions acknowledged within ws_timeout_s (ws_start returns only
        once every connection is logged in and subscribed)."""
        start = self._clock.monotonic()
        # a refused login is retried by the streams, so ws_start just does not return: the
        # gaps they report say why
        gaps = self._streams.subscribe()
        try:
            await asyncio.wait_for(self._streams.ws_start(), cmd.ws_timeout_s)
        except TimeoutError:
            why = await _last_gap(gaps)
            return Check("websocket login and subscribe", False,
                         f"not logged in and subscribed within {cmd.ws_timeout_s:g} s"
                         + (f": {why}" if why else ""))
        finally:
            gaps.close()
            await self._streams.ws_stop()
        took = self._clock.monotonic() - start
        return Check("websocket login and subscribe", True,
                     f"logged in and subscribed in {took:.2f} s (limit {cmd.ws_timeout_s:g} s)")

    async def _algo_roundtrip(self, cmd: RunSelfCheck) -> Check:
        name = "algo stop place / see / cancel"
        symbol = cmd.symbols[0] if cmd.symbols else ""
        spec = self._instruments.get(symbol)
        if spec is None:
            return Check(name, False, f"instrument {symbol or '-'} unavailable")
        mark = (await self._market.get_mark_price(symbol)).price
        # a sell stop far under the market: it cannot trigger during the check
        far = spec.price_floor(mark / 2)
        intent = AlgoStopIntent(spec, Side.SELL, spec.min_sz, far,
                                client_id(cmd.intent_id, Role.SELFCHECK))
        cid = intent.client_algo_id
        # recorded before it leaves: a selfcheck killed before its cancel is confirmed leaves
        # the next recovery a stop to cancel by client id, even one not visible yet
        pending = PendingStops(self._store, symbol)
        pending.record(cid, self._clock.now_ms() // 1000)
        sent = await self._stops.send(
            intent, deadline_ms=self._params.protection.stop_visibility_deadline_ms)
        if not sent.may_exist and not sent.confirmed:
            pending.settle(cid)  # refused: nothing is live
            return Check(name, False, f"placement {sent.placement.status}: {sent.reason}")
        if sent.algo_id:
            pending.learn(cid, sent.algo_id)
        cancel = await self._algos.cancel_algo(symbol=symbol, algo_id=sent.algo_id or None,
                                               client_algo_id=cid)
        canceled = isinstance(cancel.outcome, Accepted)
        gone = canceled and cancel.disposition is not CancelDisposition.NOT_FOUND
        if gone:
            pending.settle(cid)
        kept = "" if gone else f"; {cid} kept as a pending stop: the next recovery cancels it"
        return Check(name, sent.confirmed and canceled,
                     f"placed {sent.algo_id or cid} at {far}, "
                     f"listed={sent.confirmed} ({sent.reason}), cancel={cancel.status}{kept}")


def _rules(spec: InstrumentSpec) -> str:
    """The sizes and prices an order on spec must fit, as the venue publishes them."""
    rules = [f"tickSz={spec.tick_sz}", f"lotSz={spec.lot_sz}", f"minSz={spec.min_sz}"]
    if spec.max_sz is not None:
        rules.append(f"maxSz={spec.max_sz}")
    if spec.market_lot is not None:
        lot = spec.market_lot
        rules.append(f"market lot={lot.step} min={lot.min_sz} max={lot.max_sz or '-'}")
    if spec.min_notional is not None:
        rules.append(f"minNotional={spec.min_notional} {spec.settle_ccy}")
    if spec.price_band is not None:
        rules.append(f"price band {spec.price_band.down}..{spec.price_band.up} x mark")
    return f"{spec.inst_id} " + " ".join(rules)


def _validate(section: Any) -> None:
    """Run every attrs validator again, section by section (a Params built around them, or
    changed since, fails here)."""
    if not attrs.has(type(section)):
        return
    attrs.validate(section)
    for field in attrs.fields(type(section)):
        value = getattr(section, field.name)
        for item in value.values() if isinstance(value, dict) else (value,):
            _validate(item)


async def _last_gap(events: EventSubscription) -> str:
    """The reason of the last stream gap already queued ("" when none was)."""
    why = ""
    while (event := await events.get(0)) is not None:
        if isinstance(event, ResyncNeeded):
            why = event.reason
    return why


async def _guarded(name: str, fn: CheckFn) -> Check:
    """Any failure is a failed check line, never a traceback."""
    try:
        return await fn()
    except ExchangeError as exc:
        return Check(name, False, f"exchange call did not succeed: {exc}")
    except TimeoutError as exc:
        return Check(name, False, f"timed out: {str(exc) or 'no answer within the deadline'}")
    except Exception as exc:
        return Check(name, False, f"check failed: {type(exc).__name__}: {exc}")


__all__ = ["Check", "RunSelfCheck", "SelfCheck", "SelfCheckDone"]
