"""judge_read: an OK envelope whose data items carry a failing sCode is a rejection; items with
no sCode, "" or "0" (and items that are not objects) are the answer."""

from typing import Any

import pytest

from adapters.common.http import Reply
from adapters.okx.errors import Judgement, Verdict, judge_read


def reply(*items: Any) -> Reply:
    return Reply(200, {"code": "0", "msg": "", "data": list(items)}, "")


@pytest.mark.parametrize("items", [
    ({"ordId": "1", "state": "live"},),
    ({"ordId": "1", "sCode": "0", "sMsg": ""}, {"ordId": "2", "sCode": ""}),
    ({"ordId": "1", "sCode": None},),
    ({"ordId": "1", "sCode": 0},),  # a number: read as "0" by the converter
    (["1700000000000", "1", "2", "0.5", "1.5", "10"],),  # a candle row
    (),
])
def test_items_without_a_failing_code_are_the_answer(items: tuple[Any, ...]) -> None:
    assert judge_read(reply(*items)) == Judgement(Verdict.OK, "0", "", items)


@pytest.mark.parametrize(("items", "code", "msg"), [
    (({"ordId": "1", "sCode": "51603", "sMsg": "Order does not exist"},),
     "51603", "Order does not exist"),
    (({"ordId": "1", "sCode": "0"}, {"ordId": "2", "sCode": "51000", "sMsg": "bad"}),
     "51000", "bad"),
    ((["row"], {"sCode": "51008", "sMsg": "no margin"}, {"sCode": "51009", "sMsg": "later"}),
     "51008", "no margin"),
    (({"sCode": 51001, "sMsg": "as a number"},), "51001", "as a number"),
])
def test_the_first_failing_item_rejects_the_read(items: tuple[Any, ...], code: str,
                                                 msg: str) -> None:
    assert judge_read(reply(*items)) == Judgement(Verdict.REJECTED, code, msg)
