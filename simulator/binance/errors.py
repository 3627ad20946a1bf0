"""Binance's error answers: {"code": <negative int>, "msg": "..."} with an HTTP status.

Codes and wording follow Binance's USDⓈ-M error-code page (and the fact sheet); where a
message carries a value Binance fills in (%s), the simulator fills it the same way.
"""

from simulator.core.errors import Refused

MESSAGES: dict[int, str] = {
    -1000: "An unknown error occured while processing the request.",
    -1003: "Too many requests; current limit is {0} requests per minute. Please use the "
           "websocket for live updates to avoid polling the API.",
    -1007: "Timeout waiting for response from backend server. Send status unknown; execution "
           "status unknown.",
    -1015: "Too many new orders; current limit is {0} orders per {1}.",
    -1021: "Timestamp for this request is outside of the recvWindow.",
    -1022: "Signature for this request is not valid.",
    -1102: "Mandatory parameter '{0}' was not sent, was empty/null, or malformed.",
    -1106: "Parameter '{0}' sent when not required.",
    -1111: "Precision is over the maximum defined for this asset.",
    -1115: "Invalid timeInForce.",
    -1116: "Invalid orderType.",
    -1117: "Invalid side.",
    -1121: "Invalid symbol.",
    -1125: "This listenKey does not exist.",
    -1130: "Data sent for parameter '{0}' is not valid.",
    -2011: "Unknown order sent.",
    -2013: "Order does not exist.",
    -2014: "API-key format invalid.",
    -2015: "Invalid API-key, IP, or permissions for action.",
    -2019: "Margin is insufficient.",
    -2021: "Order would immediately trigger.",
    -2022: "ReduceOnly Order is rejected.",
    -2025: "Reach max open order limit.",
    -4003: "Quantity less than or equal to zero.",
    -4004: "Quantity less than min quantity.",
    -4005: "Quantity greater than max quantity.",
    -4014: "Price not increased by tick size.",
    -4015: "Client order id is not valid.",
    -4016: "Price is higher than mark price multiplier cap.",
    -4023: "Quantity not increased by step size.",
    -4024: "Price is lower than mark price multiplier floor.",
    -4028: "Leverage {0} is not valid",
    -4045: "Reach max stop order limit.",
    -4046: "No need to change margin type.",
    -4059: "No need to change position side.",
    -4061: "Order's position side does not match user's setting.",
    -4067: "Position side cannot be changed if there exists open orders.",
    -4068: "Position side cannot be changed if there exists position.",
    -4116: "ClientOrderId is duplicated.",
    -4120: "Order type not supported for this endpoint. Please use the Algo Order API "
           "endpoints instead.",
    -4136: "Target strategy invalid for orderType {0},closePosition {1}",
    -4137: "Quantity must be zero with closePosition equals true",
    -4138: "Reduce only must be true with closePosition equals true",
    -4140: "Invalid symbol status for opening position.",
    -4164: "Order's notional must be no smaller than {0} (unless you choose reduce only).",
    -5021: "Due to the order could not be filled immediately, the FOK order has been rejected. "
           "The order will not be recorded in the order history.",
    -5022: "Due to the order could not be executed as maker, the Post Only order will be "
           "rejected. The order will not be recorded in the order history.",
}

# Binance answers most refusals with HTTP 400; key problems 401; limits 429 / 418.
HTTP_STATUS: dict[int, int] = {-2014: 401, -2015: 401, -1003: 429, -1015: 429,
                               -1000: 500, -1007: 408}

# the core's refusal reasons as Binance codes (regular orders)
REASON_CODES: dict[str, int] = {
    "unknown_instrument": -1121, "instrument_suspended": -4140,
    "instrument_not_listed": -4140, "size_off_lot": -4023, "size_below_min": -4004,
    "size_above_max": -4005, "price_off_tick": -4014, "duplicate_client_id": -4116,
    "reduce_only_no_position": -2022, "reduce_only_same_side": -2022,
    "insufficient_margin": -2019, "order_not_cancelable": -2011, "order_not_found": -2013,
    "duplicate_algo_client_id": -4116, "close_all_exists": -4045,
    "algo_not_cancelable": -2011, "algo_triggered": -2011, "algo_not_found": -2013,
    "below_min_notional": -4164, "post_only_would_take": -5022, "fok_unfillable": -5021,
    "too_many_orders": -2025, "too_many_algos": -4045, "would_trigger": -2021,
    "no_position": -2022, "expired": -1000, "spot_account": -2015,
    "isolated_in_pooled_mode": -1130, "close_fraction_needs_reduce_only": -4138,
}


class BinanceError(Exception):
    def __init__(self, code: int, *args: object, msg: str | None = None,
                 http_status: int | None = None, retry_after: int | None = None) -> None:
        self.code = code
        self.retry_after = retry_after  # seconds, sent as Retry-After (429 / 418)
        self.msg = msg if msg is not None else MESSAGES.get(code, "").format(*args)
        self.http_status = http_status or HTTP_STATUS.get(code, 400)
        super().__init__(f"{code} {self.msg}")

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


def from_refusal(refused: Refused, side: str = "BUY") -> BinanceError:
    if refused.reason == "price_outside_band":  # PERCENT_PRICE against the mark price
        return BinanceError(-4016 if side == "BUY" else -4024)
    if refused.reason == "below_min_notional":
        return BinanceError(-4164, refused.details[0])
    return BinanceError(REASON_CODES[refused.reason])


def missing(name: str) -> BinanceError:
    return BinanceError(-1102, name)


def invalid(name: str) -> BinanceError:
    return BinanceError(-1130, name)
