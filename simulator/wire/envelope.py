"""OKX response bodies: {code, msg, data} for the API, OKX's gateway shape for 404/5xx."""

import json
import time

from simulator.core.errors import ApiError

OK_ITEM = "0"


def dumps(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def ok(data: object, **extra: object) -> dict[str, object]:
    return {"code": "0", "msg": "", "data": data, **extra}


def error(err: ApiError) -> dict[str, object]:
    if err.code == "50011" and err.http_status == 429:
        return {"msg": "Too Many Requests", "code": "50011"}  # OKX's 429 body has no data
    return {"code": err.code, "msg": err.msg, "data": []}


def items(data: list[dict[str, object]], in_time_us: int | None = None) -> dict[str, object]:
    """A trade-call envelope: code 0 all accepted, 1 all failed, 2 some failed."""
    failed = sum(1 for item in data if item.get("sCode") != OK_ITEM)
    if failed == 0:
        code, msg = "0", ""
    elif failed == len(data):
        code, msg = "1", "All operations failed"
    else:
        code, msg = "2", "Bulk operation partially succeeded"
    body: dict[str, object] = {"code": code, "data": data, "msg": msg}
    if in_time_us is not None:
        body["inTime"] = str(in_time_us)
        body["outTime"] = str(time.time_ns() // 1000)
    return body


def gateway(status: int, message: str) -> dict[str, object]:
    """The non-API error body OKX's gateway answers 404/5xx with (int code, object data)."""
    return {"code": status, "data": {}, "detailMsg": "", "error_code": str(status),
            "error_message": message, "msg": message}
