"""Seed 000 §3's contracted calls: one exchange call each, evidenced in its seed-named file.

Each returns a step object with the contract's tuple (`as_tuple()`) and the typed data the
probe needs. A failed call is recorded with its HTTP status and response summary, then reported
as ok=False; it never becomes an invented answer.
"""

from decimal import Decimal
from typing import Any

import attrs

from application.order_path import OrderPath, Sent, Wait
from domain.evidence import EvidenceRef, ord_id_hash
from domain.orders import OrderIntent, OrderStatus
from domain.outcome import Accepted, Rejected, Unknown
from ports.account import Account
from ports.errors import ExchangeError, ExchangeRejected, ExchangeUnavailable
from ports.evidence import EvidenceSink, SeedDocument
from ports.exchange_types import (
    AccountConfig,
    CancelResult,
    Equity,
    Instruments,
    OrderPlacement,
    Ticker,
)
from ports.market import MarketData
from ports.orders import Orders


@attrs.frozen
class ErrorSummary:
    """What the exchange (or the transport) said when a call did not succeed."""

    kind: str
    code: str
    message: str
    http_status: int | None
    evidence: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "code": self.code, "message": self.message,
                "http_status": self.http_status, "evidence_ref": self.evidence}


def summarize_error(exc: ExchangeError) -> ErrorSummary:
    ref = str(exc.evidence) if exc.evidence else ""
    if isinstance(exc, ExchangeRejected):
        return ErrorSummary("exchange_error", exc.code, exc.reason, exc.http_status, ref)
    kind = "unavailable" if isinstance(exc, ExchangeUnavailable) else "unparseable"
    return ErrorSummary(kind, "", str(exc), None, ref)


def _path(sink: EvidenceSink, name: SeedDocument) -> str:
    return str(sink.run_dir / name.value)


@attrs.frozen
class InstrumentsStep:
    ok: bool
    evidence_path: str
    parsed_minimal: list[dict[str, str]]
    instruments: Instruments | None
    error: ErrorSummary | None

    def as_tuple(self) -> tuple[bool, str, list[dict[str, str]]]:
        return self.ok, self.evidence_path, self.parsed_minimal


async def public_instruments(market: MarketData, sink: EvidenceSink,
                             inst_type: str) -> InstrumentsStep:
    """GET public/instruments, evidenced in public_instruments_probe.json. The venue lists its
    perpetual swaps (inst_type names them as the venue does, e.g. OKX's "SWAP")."""
    doc: dict[str, Any] = {"call": "public_instruments", "inst_type": inst_type}
    try:
        found = await market.get_instruments()
    except ExchangeError as exc:
        error = summarize_error(exc)
        sink.write_document(SeedDocument.PUBLIC_INSTRUMENTS_PROBE,
                            {**doc, "ok": False, "count": 0, "candidates": [],
                             "error": error.as_json()})
        return InstrumentsStep(False, _path(sink, SeedDocument.PUBLIC_INSTRUMENTS_PROBE), [],
                               None, error)
    minimal = [{"instId": i.inst_id, "state": i.state, "instType": i.inst_type}
               for i in found.instruments]
    sink.write_document(SeedDocument.PUBLIC_INSTRUMENTS_PROBE,
                        {**doc, "ok": True, "count": len(minimal), "candidates": minimal,
                         "evidence_ref": str(found.evidence), "error": None})
    return InstrumentsStep(True, _path(sink, SeedDocument.PUBLIC_INSTRUMENTS_PROBE), minimal,
                           found, None)


@attrs.frozen
class TickerStep:
    ok: bool
    evidence_path: str
    parsed_minimal: dict[str, str]
    ticker: Ticker | None
    error: ErrorSummary | None

    def as_tuple(self) -> tuple[bool, str, dict[str, str]]:
        return self.ok, self.evidence_path, self.parsed_minimal


async def public_ticker(market: MarketData, sink: EvidenceSink,
                        inst_id: str) -> TickerStep:
    """GET market/ticker, evidenced in public_ticker_probe.json (allowed to fail, never skipped)."""
    doc: dict[str, Any] = {"call": "public_ticker", "inst_id": inst_id}
    try:
        ticker = await market.get_ticker(inst_id)
    except ExchangeError as exc:
        error = summarize_error(exc)
        sink.write_document(SeedDocument.PUBLIC_TICKER_PROBE,
                            {**doc, "ok": False, "error": error.as_json()})
        return TickerStep(False, _path(sink, SeedDocument.PUBLIC_TICKER_PROBE), {}, None, error)
    minimal = {"instId": ticker.inst_id, "last": str(ticker.last),
               "bidPx": _s(ticker.bid), "askPx": _s(ticker.ask), "ts": str(ticker.ts_ms)}
    sink.write_document(SeedDocument.PUBLIC_TICKER_PROBE,
                        {**doc, "ok": True, **minimal, "evidence_ref": str(ticker.evidence),
                         "error": None})
    return TickerStep(True, _path(sink, SeedDocument.PUBLIC_TICKER_PROBE), minimal, ticker, None)


@attrs.frozen
class AccountConfigStep:
    ok: bool
    pos_mode: str
    evidence_path: str
    config: AccountConfig | None
    error: ErrorSummary | None

    def as_tuple(self) -> tuple[bool, str, str]:
        return self.ok, self.pos_mode, self.evidence_path


async def read_account_config(account: Account, sink: EvidenceSink) -> AccountConfigStep:
    """GET account/config, evidenced in account_config_snapshot.json."""
    doc: dict[str, Any] = {"call": "read_account_config"}
    path = _path(sink, SeedDocument.ACCOUNT_CONFIG_SNAPSHOT)
    try:
        config = await account.get_account_config()
    except ExchangeError as exc:
        error = summarize_error(exc)
        sink.write_document(SeedDocument.ACCOUNT_CONFIG_SNAPSHOT,
                            {**doc, "ok": False, "error": error.as_json()})
        return AccountConfigStep(False, "", path, None, error)
    sink.write_document(SeedDocument.ACCOUNT_CONFIG_SNAPSHOT,
                        {**doc, "ok": True, "posMode": config.pos_mode, "acctLv": config.acct_lv,
                         "perm": config.perm, "evidence_ref": str(config.evidence),
                         "error": None})
    return AccountConfigStep(True, config.pos_mode, path, config, None)


@attrs.frozen
class EquityStep:
    ok: bool
    equity: Decimal | None
    field_used: str
    evidence_path: str
    error: ErrorSummary | None

    def as_tuple(self) -> tuple[bool, Decimal | None, str, str]:
        return self.ok, self.equity, self.field_used, self.evidence_path


async def read_balance_equity_usdt(account: Account, sink: EvidenceSink) -> EquityStep:
    """USDT equity through the one equity parser (the adapter's), evidenced in the raw log."""
    try:
        equity: Equity = await account.get_balance_equity("USDT")
    except ExchangeError as exc:
        error = summarize_error(exc)
        _execution(sink, "read_balance_equity_usdt", False, error=error.as_json())
        return EquityStep(False, None, "", error.evidence, error)
    ref = str(equity.evidence)
    _execution(sink, "read_balance_equity_usdt", True, equity=str(equity.equity),
               field_used=equity.field_used, evidence_ref=ref)
    return EquityStep(True, equity.equity, equity.field_used, ref, None)


def _execution(sink: EvidenceSink, call: str, ok: bool, **fields: Any) -> EvidenceRef:
    return sink.append_document(SeedDocument.PROBE_EXECUTION, {"call": call, "ok": ok, **fields})


@attrs.frozen
class SubmitStep:
    ok: bool
    client_order_id: str
    order_id: str
    ack_evidence_path: str
    placement: OrderPlacement
    # what the order path saw: an Unknown answer resolved (or not) by client id
    sent: Sent

    def as_tuple(self) -> tuple[bool, str, str, str]:
        return self.ok, self.client_order_id, self.order_id, self.ack_evidence_path


def ack_fields(placement: OrderPlacement) -> dict[str, Any]:
    """Seed 000 §3.3 ack evidence: top-level code/msg, the item's sCode/sMsg, ordId_hash."""
    outcome = placement.outcome
    fields: dict[str, Any] = {
        "clOrdId": placement.client_order_id,
        "ordId_hash": ord_id_hash(placement.order_id) if placement.order_id else "",
        "code": placement.code, "msg": placement.msg,
        "sCode": placement.s_code, "sMsg": placement.s_msg,
        "outcome": placement.status,
        "ack_received": isinstance(outcome, Accepted),
        "fill_observed": False,
        "evidence_ref": str(placement.evidence),
    }
    if isinstance(outcome, Rejected):
        fields.update(error_code=outcome.code, error_message=outcome.message,
                      http_status=outcome.http_status)
    if isinstance(outcome, Unknown):
        fields.update(unknown_reason=outcome.reason, exp_time_ms=placement.exp_time_ms)
    return fields


async def submit_order(path: OrderPath, sink: EvidenceSink,
                       intent: OrderIntent) -> SubmitStep:
    """Place the order down the order path (an Unknown answer is resolved by client id);
    ok only when the exchange acknowledged it (sCode 0)."""
    sent = await path.send(intent, wait=Wait.ACK)
    placement = sent.placement
    fields = ack_fields(placement)
    ref = _execution(sink, "submit_order", fields["ack_received"], inst_id=intent.inst_id,
                     side=intent.side.value, ordType=intent.ord_type.value,
                     sz=str(intent.size), px=_s(intent.price), **fields)
    return SubmitStep(bool(fields["ack_received"]), intent.client_order_id, sent.order_id,
                      f"{sink.run_dir / ref.path}#{ref.seq}", placement, sent)


@attrs.frozen
class StatusStep:
    ok: bool
    status: OrderStatus | None
    evidence_path: str
    error: ErrorSummary | None

    def as_tuple(self) -> tuple[bool, OrderStatus | None, str]:
        return self.ok, self.status, self.evidence_path


def status_sample(inst_id: str, client_order_id: str, status: OrderStatus | None,
                  ) -> dict[str, Any]:
    if status is None:
        return {"inst_id": inst_id, "clOrdId": client_order_id, "found": False}
    return {"inst_id": inst_id, "clOrdId": status.client_order_id,
            "ordId_hash": ord_id_hash(status.order_id), "found": True,
            "state": status.state.value, "accFillSz": str(status.acc_fill_sz),
            "avgPx": _s(status.avg_px), "sz": str(status.size), "px": _s(status.price),
            "uTime": str(status.updated_ms), "fill_observed": status.acc_fill_sz > 0}


async def get_order_status(orders: Orders, sink: EvidenceSink, *, inst_id: str,
                           order_id: str | None, client_order_id: str) -> StatusStep:
    """GET trade/order, each answer appended to order_status_samples.json."""
    path = _path(sink, SeedDocument.ORDER_STATUS_SAMPLES)
    try:
        lookup = await orders.get_order_status(symbol=inst_id, order_id=order_id or None,
                                               client_order_id=client_order_id)
    except ExchangeError as exc:
        error = summarize_error(exc)
        sink.append_document(SeedDocument.ORDER_STATUS_SAMPLES,
                             {"call": "get_order_status", "inst_id": inst_id,
                              "clOrdId": client_order_id, "ok": False, "error": error.as_json()})
        return StatusStep(False, None, path, error)
    sample = status_sample(inst_id, client_order_id, lookup.status)
    sink.append_document(SeedDocument.ORDER_STATUS_SAMPLES,
                         {"call": "get_order_status", "ok": True, **sample,
                          "evidence_ref": str(lookup.evidence)})
    return StatusStep(True, lookup.status, path, None)


@attrs.frozen
class CancelStep:
    ok: bool
    cancel_evidence_path: str
    result: CancelResult

    def as_tuple(self) -> tuple[bool, str]:
        return self.ok, self.cancel_evidence_path


async def cancel_order(orders: Orders, sink: EvidenceSink, *, inst_id: str,
                       order_id: str | None, client_order_id: str | None) -> CancelStep:
    """Cancel; the response is evidenced whatever it says."""
    result = await orders.cancel_order(symbol=inst_id, order_id=order_id or None,
                                       client_order_id=client_order_id)
    fields: dict[str, Any] = {
        "inst_id": inst_id, "clOrdId": result.client_order_id or client_order_id or "",
        "ordId_hash": ord_id_hash(result.order_id) if result.order_id else "",
        "outcome": result.status,
        "disposition": result.disposition.value if result.disposition else "",
        "evidence_ref": str(result.evidence),
    }
    if isinstance(result.outcome, Rejected):
        fields.update(error_code=result.outcome.code, error_message=result.outcome.message,
                      http_status=result.outcome.http_status)
    if isinstance(result.outcome, Unknown):
        fields.update(unknown_reason=result.outcome.reason)
    if result.order_status is not None:
        fields.update(state_after=result.order_status.state.value,
                      accFillSz_after=str(result.order_status.acc_fill_sz))
    ok = isinstance(result.outcome, Accepted)
    ref = _execution(sink, "cancel_order", ok, **fields)
    return CancelStep(ok, f"{sink.run_dir / ref.path}#{ref.seq}", result)


def _s(value: Decimal | None) -> str:
    return "" if value is None else str(value)
