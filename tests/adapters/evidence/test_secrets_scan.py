"""verify's credential scan: what the sink's redaction by name would still change is named by
its path; literal credentials and private key blocks are found in raw bytes."""

import json

import pytest

from adapters.evidence.redact import REDACTED
from adapters.evidence.secrets_scan import LiteralScan, unredacted


@pytest.mark.parametrize(("value", "path"), [
    ({"request": {"headers": {"OK-ACCESS-SIGN": "c2lnbg=="}}}, "$.request.headers.OK-ACCESS-SIGN"),
    ({"args": [{"op": "login"}, {"apiKey": "k-123456"}]}, "$.args[1].apiKey"),
    ({"headers": [["Accept", "*/*"], ["OK-ACCESS-KEY", "k-123456"]]}, "$.headers[1][1]"),
    ({"frame": json.dumps({"op": "login", "args": [{"passphrase": "p-123456"}]})},
     "$.frame (JSON inside the string).args[0].passphrase"),
    ([{"fine": 1}, {"secretKey": ""}], "$[1].secretKey"),
    ({"body": '  {"sign": "c2ln"}'}, "$.body (JSON inside the string).sign"),
    ({"body": '[{"apiKey": "k-123456"}]'}, "$.body (JSON inside the string)[0].apiKey"),
])
def test_an_unredacted_credential_is_named_by_its_path(value: object, path: str) -> None:
    assert unredacted(value) == path


@pytest.mark.parametrize("value", [
    {"request": {"headers": {"OK-ACCESS-SIGN": REDACTED, "Accept": "*/*"}}},
    {"headers": [["OK-ACCESS-KEY", REDACTED], ["a", "b"]]},
    {"frame": json.dumps({"op": "login", "args": [{"sign": REDACTED}]})},
    {"frame": "{not json but says secret"},
    {"note": "the word passphrase in prose", "n": 3, "ok": True, "none": None},
    ["sign", REDACTED],
])
def test_redacted_or_harmless_values_pass(value: object) -> None:
    assert unredacted(value) is None


def test_the_literal_scan_finds_known_secrets_and_key_blocks_only() -> None:
    scan = LiteralScan(["s3cr3t-value-1", "short"])  # too short to look for without noise
    assert scan.problem(b"... s3cr3t-value-1 ...") == (
        "holds a credential of this machine's environment, unredacted")
    assert scan.problem(b"a short note") is None
    assert scan.problem(b"-----BEGIN RSA PRIVATE KEY-----\nx\n") == "holds a private key block"
    assert scan.problem(b"-----BEGIN CERTIFICATE-----\nx\n") is None
    assert LiteralScan().problem(b"anything") is None
