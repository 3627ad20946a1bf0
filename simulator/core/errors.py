"""OKX error codes the simulator answers with, and the two ways a call can fail.

ApiError fails the whole request (top-level code, data []); ItemError fails one item of a trade
call (data[i].sCode/sMsg, top-level code "1" or "2"). Messages follow OKX's wording.
"""

MESSAGES: dict[str, str] = {
    "50000": "Body can not be empty.",
    "50001": "Service temporarily unavailable. Please try again later.",
    "50002": "JSON syntax error",
    "50004": "API endpoint request timeout. (does not mean that the request was successful or "
             "failed, please check the request result).",
    "50006": "Invalid Content-Type, please use \"application/json\" format.",
    "50011": "Rate limit reached. Please refer to API documentation and throttle requests "
             "accordingly.",
    "50014": "Parameter {0} can not be empty.",
    "50026": "System error. Try again later",
    "50015": "Either parameter {0} or {1} is required.",
    "50024": "Parameter {0} and {1} can not exist at the same time.",
    "50025": "Parameter {0} count exceeds the limit {1}.",
    "50036": "The expTime can't be earlier than the current system time. Please adjust the "
             "expTime and try again.",
    "50037": "Order expired.",
    "50072": "Isolated margin mode is no longer supported in multi-currency margin mode and "
             "portfolio margin mode.",
    "50101": "APIKey does not match current environment.",
    "50102": "Timestamp request expired.",
    "50103": "Request header \"OK-ACCESS-KEY\" can not be empty.",
    "50104": "Request header \"OK-ACCESS-PASSPHRASE\" can not be empty.",
    "50105": "Request header \"OK-ACCESS-PASSPHRASE\" incorrect.",
    "50106": "Request header \"OK-ACCESS-SIGN\" can not be empty.",
    "50107": "Request header \"OK-ACCESS-TIMESTAMP\" can not be empty.",
    "50111": "Invalid OK-ACCESS-KEY.",
    "50112": "Invalid OK-ACCESS-TIMESTAMP.",
    "50113": "Invalid Sign.",
    "50115": "Invalid request method.",
    "51000": "Parameter {0} error",
    "51001": "Instrument ID, Instrument ID code, or Spread ID doesn't exist.",
    "51006": "Order price is not within the price limit (max buy price: {0} min sell price: {1})",
    "51008": "Order failed. Insufficient {0} margin in account",
    "51010": "Request unsupported under current account mode",
    "51016": "Duplicated client order ID",
    "51020": "Your order should meet or exceed the minimum order amount.",
    "51021": "The pair or contract is not listed yet",
    "51022": "Instrument suspended.",
    "51023": "Position does not exist",
    "51065": "algoClOrdId already exists.",
    "51088": "You can only place 1 TP/SL order to close an entire position",
    "51111": "Maximum {0} orders can be placed in bulk",
    "51121": "Order quantity must be a multiple of the lot size.",
    "51148": "Failed to place order. The new order may execute an opposite trading direction "
             "of your existing reduce-only positions. Cancel or edit pending orders to continue "
             "order",
    "51150": "The precision of the number of trades or the price exceeds the limit",
    "51169": "Order failed because you don't have any positions in this direction for this "
             "contract to reduce or close.",
    "51170": "Failed to place order. A reduce-only order can't be the same trading direction as "
             "your existing positions.",
    "51277": "TP trigger price cannot be higher than the last price",
    "51278": "SL trigger price cannot be lower than the last price",
    "51279": "TP trigger price cannot be lower than the last price",
    "51280": "SL trigger price cannot be higher than the last price",
    "51300": "TP trigger price cannot be higher than the mark price",
    "51302": "SL trigger price cannot be lower than the mark price",
    "51303": "TP trigger price cannot be lower than the mark price",
    "51304": "SL trigger price cannot be higher than the mark price",
    "51305": "TP trigger price cannot be higher than the index price",
    "51306": "SL trigger price cannot be lower than the index price",
    "51307": "TP trigger price cannot be lower than the index price",
    "51308": "SL trigger price cannot be higher than the index price",
    "51328": "closeFraction is only available for reduceOnly orders",
    "51400": "Order cancellation failed as the order has been filled, canceled or does not "
             "exist.",
    "51412": "The order has been triggered and can't be canceled.",
    "51503": "Order modification failed as the order has been filled, canceled or does not "
             "exist.",
    "51506": "Order modification unavailable for the order type.",
    "51511": "Operation failed as the order price did not meet the requirement for Post Only.",
    "51603": "Order does not exist",
    "59000": "Your settings failed as you have positions or open orders.",
    "59102": "Leverage exceeds the maximum leverage. Please adjust the leverage.",
}

# OKX's HTTP status per code (its error table); everything else is 200. 50011 comes in two
# forms: HTTP 429 {"msg":"Too Many Requests","code":"50011"} from the gateway and HTTP 200
# with the full envelope; ApiError picks the 429 form unless told otherwise.
HTTP_STATUS: dict[str, int] = {
    "50000": 400, "50002": 400, "50004": 400, "50006": 400, "50014": 400, "50015": 400,
    "50016": 400, "50001": 503, "50026": 500, "50011": 429, "50115": 405, "51000": 400,
    **{str(code): 401 for code in range(50101, 50115)},
}


def message(code: str, *args: object) -> str:
    return MESSAGES.get(code, "").format(*args)


class ApiError(Exception):
    """The whole request fails: {"code": code, "msg": msg, "data": []} with OKX's HTTP status."""

    def __init__(self, code: str, *args: object, msg: str | None = None,
                 http_status: int | None = None) -> None:
        self.code = code
        self.msg = msg if msg is not None else message(code, *args)
        self.http_status = http_status or HTTP_STATUS.get(code, 200)
        super().__init__(f"{code} {self.msg}")

    @classmethod
    def missing(cls, field: str) -> "ApiError":
        return cls("50014", field)


class ItemError(Exception):
    """One item of a trade call fails: data[i] = {..., "sCode": code, "sMsg": msg}."""

    def __init__(self, code: str, *args: object, msg: str | None = None) -> None:
        self.code = code
        self.msg = msg if msg is not None else message(code, *args)
        super().__init__(f"{code} {self.msg}")

    @classmethod
    def param(cls, field: str) -> "ItemError":
        return cls("51000", field)


class Refused(Exception):
    """The core refuses a request for a reason of its own (one of REASONS); each face names
    the reason in its codes: the OKX face through OKX_CODES, the Binance face its own table."""

    def __init__(self, reason: str, *details: object) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        self.reason = reason
        self.details = details
        super().__init__(reason, *details)


# reason -> the OKX code the OKX face answers with ("" = the OKX face never meets it)
OKX_CODES: dict[str, str] = {
    "unknown_instrument": "51001", "instrument_suspended": "51022",
    "instrument_not_listed": "51021", "size_off_lot": "51121", "size_below_min": "51020",
    "size_above_max": "51202", "price_off_tick": "51150", "duplicate_client_id": "51016",
    "reduce_only_no_position": "51169", "reduce_only_same_side": "51170",
    "price_outside_band": "51006", "insufficient_margin": "51008", "expired": "50037",
    "order_not_cancelable": "51400", "order_not_found": "51603", "no_position": "51023",
    "duplicate_algo_client_id": "51065", "close_all_exists": "51088",
    "spot_account": "51010", "isolated_in_pooled_mode": "50072",
    "algo_not_cancelable": "51400", "algo_triggered": "51412", "algo_not_found": "51603",
    "close_fraction_needs_reduce_only": "51328", "below_min_notional": "",
    "post_only_would_take": "", "fok_unfillable": "", "too_many_orders": "51025",
    "too_many_algos": "51261", "would_trigger": "",
}
REASONS = frozenset(OKX_CODES)


# (leg, side, reference price) -> the code OKX gives a trigger on the wrong side of that price
WRONG_SIDE = {
    ("tp", "buy", "last"): "51277", ("sl", "buy", "last"): "51278",
    ("tp", "sell", "last"): "51279", ("sl", "sell", "last"): "51280",
    ("tp", "buy", "mark"): "51300", ("sl", "buy", "mark"): "51302",
    ("tp", "sell", "mark"): "51303", ("sl", "sell", "mark"): "51304",
    ("tp", "buy", "index"): "51305", ("sl", "buy", "index"): "51306",
    ("tp", "sell", "index"): "51307", ("sl", "sell", "index"): "51308",
}


def okx_code(refused: Refused) -> str:
    if refused.reason == "would_trigger":  # details: leg, side, reference price
        return WRONG_SIDE[(str(refused.details[0]), str(refused.details[1]),
                           str(refused.details[2]))]
    return OKX_CODES[refused.reason] or "51000"


def okx_item_error(refused: Refused) -> ItemError:
    """The OKX item error of a core refusal."""
    details = () if refused.reason == "would_trigger" else refused.details
    return ItemError(okx_code(refused), *details)
