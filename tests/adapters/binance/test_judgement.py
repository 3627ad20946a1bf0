"""Each kind of Binance answer, judged directly: the verdict, the code and the message a write
or a read turns into (the outcome mapping the adapter's callers act on), and what a 429 / 418
asks of the pacer."""

from typing import Any

import httpx
import pytest

from adapters.binance.errors import (
    Judgement,
    Limited,
    Verdict,
    error_of,
    judge_read,
    judge_write,
    limited,
    read_error,
)
from adapters.common.http import Reply
from domain.evidence import EvidenceRef
from ports.errors import ExchangeRejected

LONG_PAGE = "<html>" + "x" * 300 + "</html>"  # longer than the 160 characters a message keeps


def error(status: int, code: int, msg: str = "m") -> Reply:
    return Reply(status, {"code": code, "msg": msg}, "")


def page(status: int, text: str = LONG_PAGE) -> Reply:
    return Reply(status, None, text)


WRITES: list[tuple[Reply, Judgement]] = [
    (Reply(None, None, "", "timeout"), Judgement(Verdict.UNKNOWN, "", "timeout")),
    (Reply(None, None, ""), Judgement(Verdict.UNKNOWN, "", "no reply")),
    (error(400, -1021, "outside"), Judgement(Verdict.RESYNC, "-1021", "outside")),
    (error(429, -1003, "too many"), Judgement(Verdict.REJECTED, "-1003", "too many")),
    (error(418, -1003, "banned"), Judgement(Verdict.REJECTED, "-1003", "banned")),
    (error(500, -1000, "unknown"), Judgement(Verdict.UNKNOWN, "-1000", "unknown")),
    (error(400, -1006, "odd"), Judgement(Verdict.UNKNOWN, "-1006", "odd")),
    (error(503, -2019, "margin"), Judgement(Verdict.UNKNOWN, "-2019", "margin")),
    (error(500, -2019, "margin"), Judgement(Verdict.UNKNOWN, "-2019", "margin")),
    (error(400, -2019, "margin"), Judgement(Verdict.REJECTED, "-2019", "margin")),
    (page(502), Judgement(Verdict.UNKNOWN, "http502", f"HTTP 502: {LONG_PAGE[:160]!r}")),
    (page(500), Judgement(Verdict.UNKNOWN, "http500", f"HTTP 500: {LONG_PAGE[:160]!r}")),
    (page(403), Judgement(Verdict.REJECTED, "403", f"HTTP 403: {LONG_PAGE[:160]!r}")),
    (page(499), Judgement(Verdict.REJECTED, "499", f"HTTP 499: {LONG_PAGE[:160]!r}")),
    (Reply(200, [1], "[1]"), Judgement(Verdict.UNKNOWN, "http200",
                                       "HTTP 200 without a readable answer")),
    (Reply(200, {"orderId": 1}, ""), Judgement(Verdict.OK, "", "", ({"orderId": 1},))),
    (Reply(200, {"code": 200, "msg": "success"}, ""),
     Judgement(Verdict.OK, "", "", ({"code": 200, "msg": "success"},))),
]

READS: list[tuple[Reply, Judgement]] = [
    (Reply(None, None, "", "transport:ConnectError"),
     Judgement(Verdict.TRANSIENT, "", "transport:ConnectError")),
    (Reply(None, None, ""), Judgement(Verdict.TRANSIENT, "", "no reply")),
    (error(400, -1021, "outside"), Judgement(Verdict.RESYNC, "-1021", "outside")),
    (error(400, -1000, "unknown"), Judgement(Verdict.TRANSIENT, "-1000", "unknown")),
    (error(400, -1003, "too many"), Judgement(Verdict.TRANSIENT, "-1003", "too many")),
    (error(503, -1008, "busy"), Judgement(Verdict.TRANSIENT, "-1008", "busy")),
    (error(500, -2019, "odd"), Judgement(Verdict.TRANSIENT, "-2019", "odd")),
    (error(429, -2019, "odd"), Judgement(Verdict.TRANSIENT, "-2019", "odd")),
    (error(418, -2019, "odd"), Judgement(Verdict.TRANSIENT, "-2019", "odd")),
    (error(499, -2015, "key"), Judgement(Verdict.REJECTED, "-2015", "key")),
    (page(500), Judgement(Verdict.TRANSIENT, "500", "HTTP 500")),
    (page(429), Judgement(Verdict.TRANSIENT, "429", "HTTP 429")),
    (page(418), Judgement(Verdict.TRANSIENT, "418", "HTTP 418")),
    (page(499), Judgement(Verdict.PROTOCOL, "499", "HTTP 499 with a body that is not "
                                                   f"Binance's: {LONG_PAGE[:160]!r}")),
    (page(200, "<html>"), Judgement(Verdict.PROTOCOL, "200", "HTTP 200 with a body that is "
                                                             "not Binance's: '<html>'")),
    (Reply(200, [1, 2], ""), Judgement(Verdict.OK, "", "", ([1, 2],))),
]


@pytest.mark.parametrize(("reply", "judged"), WRITES)
def test_a_write_answer_is_judged(reply: Reply, judged: Judgement) -> None:
    assert judge_write(reply) == judged


@pytest.mark.parametrize(("reply", "judged"), READS)
def test_a_read_answer_is_judged(reply: Reply, judged: Judgement) -> None:
    assert judge_read(reply) == judged


@pytest.mark.parametrize(("payload", "found"), [
    ({"code": -2019, "msg": "Margin is insufficient."}, ("-2019", "Margin is insufficient.")),
    ({"code": -1000}, ("-1000", "")),
    ({"code": 200, "msg": "success"}, None),
    ({"orderId": 1}, None),
    ([{"code": -1}], None),
])
def test_error_of_reads_binances_error_body(payload: Any, found: tuple[str, str] | None
                                            ) -> None:
    assert error_of(payload) == found


def headers(**values: str) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in values.items()})


@pytest.mark.parametrize(("reply", "expected"), [
    (Reply(200, {}, "", headers=headers(retry_after="5")), None),
    (Reply(429, {"code": -1003, "msg": "Too many"}, "", headers=headers(retry_after="7")),
     Limited(429, 7.0, "Too many")),
    (Reply(418, {"code": -1003, "msg": "banned"}, "", headers=headers(retry_after="soon")),
     Limited(418, None, "banned")),
    (Reply(429, None, LONG_PAGE), Limited(429, None, LONG_PAGE[:160])),
    (Reply(418, None, "gone", headers=headers(retry_after="120")), Limited(418, 120.0, "gone")),
])
def test_a_429_or_418_says_how_long_to_stay_away(reply: Reply, expected: Limited | None
                                                 ) -> None:
    assert limited(reply) == expected


def test_a_refused_read_keeps_its_http_status() -> None:
    refused = read_error(Judgement(Verdict.REJECTED, "-2015", "key"), 401,
                         EvidenceRef("m_execution_raw_part_0001.jsonl", 3))
    assert isinstance(refused, ExchangeRejected)
    assert (refused.code, refused.http_status) == ("-2015", 401)
