"""Field by field: what each seed document must say, given the raw record it names.

A rule gets the document, its resolved references ({"$.evidence_ref": record, ...}) and the
instruments call's record, and returns one sentence per disagreement. Numbers are compared as
decimals (the documents re-print the exchange's strings through Decimal); the empty forms the
engine writes for "no value" are spelled out per field.
"""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from domain.evidence import ord_id_hash
from ports.evidence import SeedDocument

Record = dict[str, Any]
Rule = Callable[[dict[str, Any], dict[str, Record], Record | None], list[str]]
REF = "$.evidence_ref"
ERROR_REF = "$.error.evidence_ref"


@attrs.frozen
class Ref:
    shard: str
    seq: int

    def __str__(self) -> str:
        return f"{self.shard}#{self.seq}"


def _body(record: Record) -> dict[str, Any]:
    response = record.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    return body if isinstance(body, dict) else {}


def _items(record: Record) -> list[Any]:
    data = _body(record).get("data")
    return data if isinstance(data, list) else []


def _item(record: Record) -> dict[str, Any]:
    items = _items(record)
    return items[0] if items and isinstance(items[0], dict) else {}


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _same_number(doc: Any, raw: Any) -> bool:
    if doc in (None, "") or raw in (None, ""):
        return doc in (None, "") and raw in (None, "")
    return _decimal(doc) is not None and _decimal(doc) == _decimal(raw)


def _differs(field: str, doc: Any, raw: Any, where: Record) -> str:
    return (f"{field} is {doc!r} but record seq {where.get('seq')} says {raw!r}")


def _compare(doc: dict[str, Any], raw: dict[str, Any], record: Record,
             texts: tuple[tuple[str, str], ...] = (),
             numbers: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """texts/numbers: (document field, record item field) pairs that must agree."""
    problems = [_differs(d, doc.get(d), raw.get(r), record) for d, r in texts
                if d in doc and doc.get(d) != raw.get(r, "")]
    problems += [_differs(d, doc.get(d), raw.get(r), record) for d, r in numbers
                 if d in doc and not _same_number(doc.get(d), raw.get(r))]
    return problems


def _endpoint(record: Record, expected: str) -> list[str]:
    found = record.get("endpoint")
    return [] if found == expected else [
        f"names record seq {record.get('seq')}, a {found!r} call, not {expected!r}"]


def _error(doc: dict[str, Any], refs: dict[str, Record]) -> list[str]:
    # a failed call: whatever code and HTTP status it reports are the record's, and a record
    # that shows a plain success cannot be the evidence of a failure
    error = doc.get("error")
    record = refs.get(ERROR_REF)
    if not isinstance(error, dict) or record is None:
        return []
    response = record.get("response") or {}
    codes = {str(_body(record).get("code", "")), str(_item(record).get("sCode", ""))} - {""}
    problems = []
    if error.get("code") and str(error.get("code")) not in codes:
        problems.append(_differs("error.code", error.get("code"), sorted(codes), record))
    if error.get("http_status") is not None and \
            error.get("http_status") != response.get("http_status"):
        problems.append(_differs("error.http_status", error.get("http_status"),
                                 response.get("http_status"), record))
    if response.get("http_status") == 200 and codes == {"0"}:
        problems.append(f"reports a failure, but record seq {record.get('seq')} is a success")
    return problems


def _checked(endpoint: str, check: Callable[[dict[str, Any], Record], list[str]]) -> Rule:
    """A read: when it succeeded, its fields against the answer; when not, the error's."""
    def rule(doc: dict[str, Any], refs: dict[str, Record], _: Record | None) -> list[str]:
        if doc.get("ok") is False or REF not in refs:
            return _error(doc, refs)
        return _endpoint(refs[REF], endpoint) or check(doc, refs[REF])
    return rule


def _write(endpoint: str, check: Callable[[dict[str, Any], Record], list[str]]) -> Rule:
    """A write, whatever its outcome. One decided against before sending names the record of
    the read that stopped it (e.g. account/config), and then cannot claim an acknowledgement."""
    def rule(doc: dict[str, Any], refs: dict[str, Record], _: Record | None) -> list[str]:
        record = refs.get(REF)
        if record is None:
            return []
        if record.get("endpoint") != endpoint or (record.get("request") or {}).get("sent") is \
                False:
            return [f"claims an acknowledgement from record seq {record.get('seq')}, which is "
                    "no answer to this call"] if doc.get("ack_received") else []
        return check(doc, record)
    return rule


def _instruments(doc: dict[str, Any], record: Record) -> list[str]:
    listed = [{"instId": i.get("instId"), "state": i.get("state"), "instType": i.get("instType")}
              for i in _items(record) if isinstance(i, dict)]
    problems = [] if doc.get("candidates") == listed else [
        f"candidates differ from the {len(listed)} instruments of record seq {record.get('seq')}"]
    if doc.get("count") != len(listed):
        problems.append(_differs("count", doc.get("count"), len(listed), record))
    return problems


def _ticker(doc: dict[str, Any], record: Record) -> list[str]:
    return _compare(doc, _item(record), record, texts=(("instId", "instId"),),
                    numbers=(("last", "last"), ("bidPx", "bidPx"), ("askPx", "askPx"),
                             ("ts", "ts")))


def _account_config(doc: dict[str, Any], record: Record) -> list[str]:
    return _compare(doc, _item(record), record,
                    texts=(("posMode", "posMode"), ("acctLv", "acctLv"), ("perm", "perm")))


def _order_status(doc: dict[str, Any], record: Record) -> list[str]:
    item = _item(record)
    if doc.get("found") is False:
        code = _body(record).get("code")
        return [] if code == "51603" or not item else [
            f"says the order was not found but record seq {record.get('seq')} shows it"]
    problems = _compare(doc, item, record, texts=(("clOrdId", "clOrdId"), ("state", "state")),
                        numbers=(("sz", "sz"),))
    filled = _decimal(item.get("accFillSz")) or Decimal(0)
    if _decimal(doc.get("accFillSz")) != filled:
        problems.append(_differs("accFillSz", doc.get("accFillSz"), item.get("accFillSz"),
                                 record))
    avg = item.get("avgPx") if filled > 0 else ""
    if not _same_number(doc.get("avgPx", ""), avg):
        problems.append(_differs("avgPx", doc.get("avgPx"), avg, record))
    px = item.get("px") if (_decimal(item.get("px")) or 0) > 0 else ""
    if not _same_number(doc.get("px", ""), px):
        problems.append(_differs("px", doc.get("px"), px, record))
    problems += _hash_of(doc, item.get("ordId"), record)
    return problems


def _hash_of(doc: dict[str, Any], ord_id: Any, record: Record) -> list[str]:
    claimed = doc.get("ordId_hash")
    if not claimed or not isinstance(ord_id, str) or not ord_id:
        return []
    return [] if claimed == ord_id_hash(ord_id) else [
        f"ordId_hash {claimed!r} is not the hash of record seq {record.get('seq')}'s ordId"]


def _submit(doc: dict[str, Any], record: Record) -> list[str]:
    sent = (record.get("request") or {}).get("body") or {}
    sent = sent[0] if isinstance(sent, list) and sent else sent
    problems = _compare(doc, sent if isinstance(sent, dict) else {}, record,
                        texts=(("clOrdId", "clOrdId"), ("inst_id", "instId"),
                               ("side", "side"), ("ordType", "ordType")),
                        numbers=(("sz", "sz"), ("px", "px")))
    if not _body(record):
        return problems  # no answer (an unknown outcome): only the request can be compared
    problems += _compare(doc, _body(record), record, texts=(("code", "code"), ("msg", "msg")))
    item = _item(record)
    problems += _compare(doc, item, record, texts=(("sCode", "sCode"), ("sMsg", "sMsg")))
    if doc.get("ack_received") and (_body(record).get("code"), item.get("sCode")) != ("0", "0"):
        problems.append(f"says the order was acknowledged but record seq {record.get('seq')} "
                        "carries no code 0 / sCode 0")
    return problems + _hash_of(doc, item.get("ordId"), record)


def _cancel(doc: dict[str, Any], record: Record) -> list[str]:
    sent = (record.get("request") or {}).get("body") or {}
    problems = _compare(doc, sent if isinstance(sent, dict) else {}, record,
                        texts=(("inst_id", "instId"),))
    return problems + _hash_of(doc, _item(record).get("ordId") or
                               (sent.get("ordId") if isinstance(sent, dict) else None), record)


def _price_limit(doc: dict[str, Any], record: Record) -> list[str]:
    return _compare(doc, _item(record), record,
                    numbers=(("buyLmt", "buyLmt"), ("sellLmt", "sellLmt")))


def selected_inst_rule(doc: dict[str, Any], _: dict[str, Record],
                       instruments: Record | None) -> list[str]:
    """probe_selected_inst.json against the instruments call it was chosen from."""
    if instruments is None or doc.get("exists") is None:
        return []
    wanted = doc.get("requested_inst_id")
    found = next((i for i in _items(instruments)
                  if isinstance(i, dict) and i.get("instId") == wanted), None)
    if bool(doc.get("exists")) != (found is not None):
        return [_differs("exists", doc.get("exists"), found is not None, instruments)]
    if found is None:
        return []
    problems = _compare(doc, found, instruments, texts=(("state", "state"),))
    if doc.get("live") != (found.get("state") == "live"):
        problems.append(_differs("live", doc.get("live"), found.get("state"), instruments))
    spec = doc.get("spec")
    if isinstance(spec, dict):
        problems += [f"spec.{p}" for p in _compare(
            spec, found, instruments, texts=(("instId", "instId"), ("instType", "instType"),
                                             ("state", "state"), ("settleCcy", "settleCcy")),
            numbers=tuple((k, k) for k in ("tickSz", "lotSz", "minSz", "ctVal", "ctMult")))]
    return problems


RULES: dict[tuple[str, str], Rule] = {
    (SeedDocument.PUBLIC_INSTRUMENTS_PROBE.value, ""):
        _checked("GET /api/v5/public/instruments", _instruments),
    (SeedDocument.PUBLIC_TICKER_PROBE.value, ""): _checked("GET /api/v5/market/ticker", _ticker),
    (SeedDocument.ACCOUNT_CONFIG_SNAPSHOT.value, ""):
        _checked("GET /api/v5/account/config", _account_config),
    (SeedDocument.ORDER_STATUS_SAMPLES.value, "get_order_status"):
        _checked("GET /api/v5/trade/order", _order_status),
    (SeedDocument.PROBE_EXECUTION.value, "submit_order"):
        _write("POST /api/v5/trade/order", _submit),
    (SeedDocument.PROBE_EXECUTION.value, "cancel_order"):
        _write("POST /api/v5/trade/cancel-order", _cancel),
    (SeedDocument.PROBE_EXECUTION.value, "get_price_limit"):
        _checked("GET /api/v5/public/price-limit", _price_limit),
}
