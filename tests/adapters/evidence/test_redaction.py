"""No credential reaches any evidence file, whoever forgot to redact it."""

import json
from pathlib import Path

import pytest

from adapters.evidence import REDACTED, Redactor, is_secret_name
from ports.evidence import ExchangeCallRecord, SeedDocument
from tests.adapters.evidence.helpers import make_sink

API_KEY = "0f6c1b9e-4d2a-4b7e-9c1d-7a5e3f2b8c90"
SECRET_KEY = "9D2E7C1A5B3F4E6D8C0B2A4F6E8D0C1B"
PASSPHRASE = 'Pa"ss\\wörd-42'  # needs JSON escaping and is not ASCII
SIGNATURE = "q9xk1L3o8mZ2c7tYd+EYwlrVQm2vKNy0R3Zl5vA8pGc="  # per request, so unknown to the sink


def _leaky_records() -> list[ExchangeCallRecord]:
    headers = {"OK-ACCESS-KEY": API_KEY, "ok-access-sign": SIGNATURE,
               "Ok-Access-Passphrase": PASSPHRASE, "OK-ACCESS-TIMESTAMP": "2025-11-22T00:00:00Z"}
    login = {"op": "login", "args": [{"apiKey": API_KEY, "passphrase": PASSPHRASE,
                                      "timestamp": "1763780000", "sign": SIGNATURE}]}
    return [
        ExchangeCallRecord("http", "POST /api/v5/trade/order",
                           {"method": "POST", "headers": headers,
                            "body": '{"instId":"BTC-USDT-SWAP","sz":"1"}'},
                           {"status": 200, "body": {"code": "0"}}, "ok", 1, 1.0),
        ExchangeCallRecord("ws", "wss private", {"frame": login}, None, "sent", 2, 2.0),
        ExchangeCallRecord("ws", "wss private", {"frame": json.dumps(login)}, None, "sent", 3, 3.0),
        ExchangeCallRecord("http", "GET /api/v5/account/config",
                           {"headers": list(headers.items())}, None, "timeout", 4, 4.0,
                           extra={"debug": f"key={API_KEY} secret={SECRET_KEY}",
                                  "raw": f"passphrase {PASSPHRASE}".encode()}),
        ExchangeCallRecord("http", "GET /x", {"settings": {"secretKey": SECRET_KEY,
                                                           "api_key": API_KEY}},
                           {"echo": PASSPHRASE}, "ok", 5, 5.0),
    ]


def test_no_secret_byte_is_in_any_file_of_the_run(tmp_path: Path) -> None:
    with make_sink(tmp_path, secrets=[API_KEY, SECRET_KEY, PASSPHRASE]) as sink:
        for record in _leaky_records():
            sink.record_call(record)
        sink.write_document(SeedDocument.ACCOUNT_CONFIG_SNAPSHOT,
                            {"note": f"used {API_KEY}", "passphrase": PASSPHRASE})
        sink.append_document(SeedDocument.PROBE_EXECUTION, {"sign": SIGNATURE,
                                                            "msg": SECRET_KEY})
        sink.write_text(SeedDocument.PROBE_REPORT, f"# report\nkey {API_KEY} {PASSPHRASE}\n")
        sink.package()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 7
    for secret in (API_KEY, SECRET_KEY, PASSPHRASE, SIGNATURE):
        forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
        for path in files:
            data = path.read_bytes()
            for form in forms:
                assert form.encode() not in data, f"{secret!r} leaked into {path.name}"


def test_credential_headers_are_redacted_even_without_the_literal_secrets(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        for record in _leaky_records()[:3]:
            sink.record_call(record)
    text = (tmp_path / "m_execution_raw_part_0001.jsonl").read_text()
    for secret in (API_KEY, PASSPHRASE, SIGNATURE):
        assert json.dumps(secret, ensure_ascii=False)[1:-1] not in text
    first = json.loads(text.splitlines()[0])
    assert first["request"]["headers"]["OK-ACCESS-KEY"] == REDACTED
    # the timestamp header is evidence, not a credential
    assert first["request"]["headers"]["OK-ACCESS-TIMESTAMP"] == "2025-11-22T00:00:00Z"
    # a body without credentials keeps its exact bytes
    assert first["request"]["body"] == '{"instId":"BTC-USDT-SWAP","sz":"1"}'


@pytest.mark.parametrize(("name", "secret"), [
    ("OK-ACCESS-KEY", True), ("ok-access-sign", True), ("OK-ACCESS-PASSPHRASE", True),
    ("apiKey", True), ("api_key", True), ("secretKey", True), ("sign", True),
    ("passphrase", True), ("password", True), ("Authorization", True),
    ("OK-ACCESS-TIMESTAMP", False), ("x-simulated-trading", False), ("clOrdId", False),
    ("posSide", False), ("instId", False), ("signal", False),
])
def test_credential_names_are_recognised_in_any_spelling(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_a_secret_too_short_to_scrub_safely_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        Redactor(["abc"])
    assert Redactor(["", "longenough"]).scrub("x longenough y") == f"x {REDACTED} y"


def test_plain_secrets_are_scrubbed_at_any_depth_of_nesting(tmp_path: Path) -> None:
    # both secrets are written by JSON as themselves, so the sink skips the string-by-string
    # scrub and relies on the serialized line's: it must still find them inside strings that
    # hold JSON that holds JSON, in keys, and in the labels the index and package repeat
    plain = [API_KEY, SECRET_KEY]
    nested = json.dumps({"note": json.dumps({"x": f"k={API_KEY}", "y": [SECRET_KEY]})})
    with make_sink(tmp_path, secrets=plain, labels={"who": f"by {SECRET_KEY}"}) as sink:
        sink.record_call(ExchangeCallRecord(
            "http", "GET /x", {"body": nested, API_KEY: "a key named by the secret"},
            {"text": f"<{SECRET_KEY}>", "list": [nested, {"deep": [f"{API_KEY}!"]}]},
            "ok", 1, 1.0))
        sink.append_document(SeedDocument.PROBE_EXECUTION, {"msg": nested})
        sink.package()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 5
    for path in files:
        data = path.read_bytes()
        for secret in plain:
            assert secret.encode() not in data, f"{secret!r} leaked into {path.name}"
    assert REDACTED.encode() in (tmp_path / "m_execution_raw_part_0001.jsonl").read_bytes()


def _escaped(secret: str, levels: int) -> set[str]:
    """secret as JSON writes it inside a string nested `levels` deep, either ensure_ascii."""
    found = {secret}
    for _ in range(levels):
        found |= {json.dumps(f)[1:-1] for f in found} | {
            json.dumps(f, ensure_ascii=False)[1:-1] for f in found}
    return found


def test_a_secret_json_escapes_is_scrubbed_inside_strings_that_hold_json(
        tmp_path: Path) -> None:
    # PASSPHRASE needs escaping: inside a string holding JSON that holds JSON ... it is already
    # escaped three times, and the record's serialization escapes it once more: a form the
    # line's scrub does not know, so the string itself must have been scrubbed
    inner = json.dumps({"z": json.dumps({"w": PASSPHRASE})})
    note = json.dumps({"x": f"with {PASSPHRASE}", "y": [inner]})
    with make_sink(tmp_path, secrets=[PASSPHRASE]) as sink:
        sink.record_call(ExchangeCallRecord("http", "GET /x", {"body": note},
                                            {"echo": [note]}, "ok", 1, 1.0))
        sink.package()
    data = (tmp_path / "m_execution_raw_part_0001.jsonl").read_bytes()
    for form in _escaped(PASSPHRASE, 4):
        assert form.encode() not in data, f"{form!r} leaked"
    assert REDACTED.encode() in data
